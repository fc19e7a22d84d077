/** aws-local-stepfunctions uses Promise.withResolvers (Node 22+); Node 20 lacks it. Import first. */
const promise = Promise as unknown as { withResolvers?: <T>() => { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } };
promise.withResolvers ??= <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const p = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise: p, resolve, reject };
};
export {};
