export * from "./error-codes";
export * from "./events";
export * from "./principal";
export * from "./scopes";
export * from "./subscriptions";
export * from "./registry";
