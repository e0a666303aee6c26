// ve-mmio/node: the core (everything `ve-mmio` exports) plus what needs Node: a decoder loaded from
// the package's own WASM file, and the kernels `npm run kernel:fetch` cached, as code to decode.
export * from "./index.js";
export { loadDecoder, newDecoder } from "./decoder/node.js";
export { cachedKernels, vmlinuxSet, type CachedKernel, type CodeSet } from "./elf/kernel-cache.js";
