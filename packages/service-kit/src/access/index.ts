export * from "./policy";
export * from "./audit-log";
export * from "./access-context";
