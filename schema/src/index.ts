export * from "./error-codes";
export * from "./events";
