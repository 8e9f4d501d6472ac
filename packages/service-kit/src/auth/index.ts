export * from "./internal-token";
export * from "./internal-keys";
export * from "./jwks";
