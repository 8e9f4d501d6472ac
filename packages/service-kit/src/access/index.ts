export * from "./policy";
export * from "./audit-log";
export * from "./audit-sink";
export * from "./access-context";
export * from "./scopes";
export * from "./audit-trail";
