export * from "./error-codes";
