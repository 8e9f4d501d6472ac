export * from "./apply";
export * from "./directory";
export * from "./migration";
