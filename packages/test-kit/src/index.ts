export * from "./database";
export * from "./graphql-client";

export * from "./principals";
export * from "./issuer";
export * from "./subscriptions";
export * from "./until";
export * from "./job-lock";
