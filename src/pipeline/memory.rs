//! Keeping a long meeting's memory flat.
//!
//! The stages allocate and free buffers of every size on many threads
//! (audio chunks, mel spectrograms, decoder state, embeddings). glibc's
//! allocator keeps what a thread freed in that thread's arena, and raises its
//! threshold for handing large blocks straight back to the system each time
//! one is freed: over a two-hour meeting the process held far more freed
//! memory than live data (measured: 220 MB of 560 MB resident was free
//! space kept by the arenas) and resident memory grew with meeting time.
//! So the pipeline fixes the thresholds when it starts and returns free
//! memory to the system every few seconds. Elsewhere both are no-ops.

/// Large blocks (256 KiB and up) come from and go back to the system, and
/// a heap gives back free space at its top above 1 MiB, however the
/// meeting's buffers grow.
pub(crate) fn bound_heap_growth() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it has no memory-safety
    // preconditions and is safe to call while other threads allocate.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
    }
}

/// Returns the free memory every arena holds to the system. Takes the
/// arenas' locks for a few milliseconds: call it off the event loop.
pub(crate) fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}
