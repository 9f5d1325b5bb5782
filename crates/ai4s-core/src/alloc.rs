//! Keep freed tensor memory in the process instead of handing it back to the kernel.
//!
//! A training step allocates and frees the same large tensors again and again (a 192-atom
//! Deep Potential step touches tens of buffers of about 10 MB). glibc's allocator serves blocks
//! above its mmap threshold with fresh `mmap`s and trims the heap top above its trim threshold,
//! so each step page-faults on new zero pages: in a profile of that training, page faults and
//! page clearing took about 10 % of the time; with the thresholds below they fall to well
//! under 1 % (`clear_page` 0.3-0.4 % in the profiles quoted in BENCHMARKS.md, "Where each tool
//! spends its time"). With a fixed mmap threshold of 256 MiB and a trim threshold of 1 GiB,
//! freed blocks are reused from the heap. Other C libraries and platforms are left as they are.

/// Raises glibc's mmap and trim thresholds (see the module docs); a no-op elsewhere. Call once,
/// early in `main`.
#[allow(unsafe_code)]
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; it is called before other threads
    // allocate and its arguments are valid parameter codes and sizes.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}
