/**
 * The TCL parser (with its YAML library), loaded on first use and then kept: most functions never
 * parse YAML, and an `import()` on every call resolves the module again each time (under `npm start`'s
 * TypeScript loader, a round trip to the loader's thread that also lets other work run first).
 */
let loading: Promise<typeof import('./tcl')> | undefined;

export const loadTcl = (): Promise<typeof import('./tcl')> => (loading ??= import('./tcl'));
