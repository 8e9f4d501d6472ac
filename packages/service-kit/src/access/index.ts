export * from "./policy";
export * from "./audit-log";
