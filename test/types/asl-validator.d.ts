/** asl-validator ships no type declarations; this is the part the tests use. */
declare module 'asl-validator' {
  interface ValidationResult {
    isValid: boolean;
    errorsText: (separator?: string) => string;
  }
  export default function aslValidator(definition: unknown, options?: { checkArn?: boolean; checkPaths?: boolean }): ValidationResult;
}
