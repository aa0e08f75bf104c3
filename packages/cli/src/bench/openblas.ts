// OpenBLAS's cblas_sgemm through koffi (FFI), used only as the benchmark's reference.
import * as os from "os";

export interface Sgemm {
  /** Library path that was loaded. */
  path: string;
  /** C (M x N) = A (M x K) @ (transB ? B^T : B), row-major float32. */
  sgemm(M: number, N: number, K: number, a: Float32Array, b: Float32Array, transB: boolean, c: Float32Array): void;
}

const CANDIDATES: Record<string, string[]> = {
  linux: [
    "libopenblas.so.0",
    "libopenblas.so",
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    "/usr/lib64/libopenblas.so.0",
    "/usr/lib/libopenblas.so.0",
  ],
  darwin: ["/opt/homebrew/opt/openblas/lib/libopenblas.dylib", "/usr/local/opt/openblas/lib/libopenblas.dylib", "libopenblas.dylib"],
};

export const INSTALL_HINT =
  os.platform() === "darwin"
    ? "brew install openblas"
    : "sudo apt-get install libopenblas0-pthread (Debian/Ubuntu) or your distribution's openblas package";

/** Loads OpenBLAS with `threads` threads, or returns the reason it could not. */
export function loadOpenBlas(threads: number): Sgemm | string {
  let koffi: typeof import("koffi");
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    koffi = require("koffi");
  } catch (e) {
    return `koffi (FFI) is not available: ${(e as Error).message}`;
  }
  const errors: string[] = [];
  for (const path of CANDIDATES[os.platform()] ?? CANDIDATES.linux) {
    try {
      const lib = koffi.load(path);
      const fn = lib.func(
        "void cblas_sgemm(int order, int transA, int transB, int M, int N, int K, float alpha, void *A, int lda, void *B, int ldb, float beta, void *C, int ldc)",
      );
      try {
        lib.func("void openblas_set_num_threads(int n)")(threads);
      } catch {
        // not every build exports it; OPENBLAS_NUM_THREADS still applies
      }
      const RowMajor = 101, NoTrans = 111, Trans = 112;
      return {
        path,
        sgemm(M, N, K, a, b, transB, c) {
          fn(RowMajor, NoTrans, transB ? Trans : NoTrans, M, N, K, 1, a, K, b, transB ? K : N, 0, c, N);
        },
      };
    } catch (e) {
      errors.push(`${path}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return `libopenblas not found (${errors.length} places tried)`;
}
