//! Optional link hook for offline CUDA builds (scripts/cuda-offline/README.md).
//!
//! With the `cuda` feature and `AI4S_LLVM_SHIM_DIR` set (by scripts/cuda-offline/prepare.sh),
//! links `libllvm21_c_api.a` from that folder whole, providing the LLVM 20/21 C functions that
//! cubecl's LLVM bindings call and Debian's LLVM 19 lacks. Otherwise does nothing.

fn main() {
    println!("cargo:rerun-if-env-changed=AI4S_LLVM_SHIM_DIR");
    let Some(dir) = std::env::var_os("AI4S_LLVM_SHIM_DIR") else {
        return;
    };
    // Without `cuda` there is no LLVM to resolve the shim's own references against.
    if std::env::var_os("CARGO_FEATURE_CUDA").is_none() {
        return;
    }
    println!("cargo:rustc-link-search=native={}", dir.to_string_lossy());
    println!("cargo:rustc-link-lib=static:+whole-archive=llvm21_c_api");
}
