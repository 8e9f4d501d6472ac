export * from "./internal-token";
export * from "./dev-secret";
