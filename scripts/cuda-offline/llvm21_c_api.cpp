// LLVM 20/21 C-API functions, implemented for LLVM 19.
//
// Why: burn's `cuda` feature builds cubecl-cuda, which compiles kernels through cubecl-llvm.
// cubecl-llvm links LLVM through `llvm-sys` 231 and `pliron-llvm` 0.19, which declare and call
// C-API functions that LLVM added in versions 20 and 21. The LLVM that cubecl expects is
// downloaded at build time (tracel-llvm-bundler); an offline build can instead use the LLVM 19
// that Debian 12 packages (see prepare.sh and README.md next to this file). LLVM 19's C API
// lacks the eight functions below, so the final link fails with undefined symbols. Each one
// is written here with LLVM 19's C++ API, following the upstream implementation in
// llvm/lib/IR/Core.cpp, llvm/lib/IRReader/IRReader.cpp and
// llvm/lib/ExecutionEngine/Orc/OrcV2CBindings.cpp.
//
// Build (prepare.sh does this): g++ -c $(llvm-config --cxxflags) -fPIC -O2, then `ar rcs` into
// libllvm21_c_api.a. It must be linked whole (`+whole-archive`): the callers are in Rust rlibs
// that come after it on the link line.
//
// Callers: LLVMGetSyncScopeID (pliron-llvm attributes), LLVMParseIRInContext2 (cubecl-llvm
// module loading), the others through pliron-llvm's builder and ORC wrappers.

#include <llvm-c/Core.h>
#include <llvm-c/IRReader.h>
#include <llvm-c/Orc.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IRReader/IRReader.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

#include <cstring>
#include <memory>
#include <string>

#if LLVM_VERSION_MAJOR >= 20
#error "llvm21_c_api.cpp is only for LLVM 19: LLVM 20 and later export these functions"
#endif

using namespace llvm;

// OrcV2CBindings.cpp defines this conversion in its .cpp file, not in a header.
DEFINE_SIMPLE_CONVERSION_FUNCTIONS(orc::ThreadSafeContext, LLVMOrcThreadSafeContextRef)

extern "C" {

// Core.h (LLVM 20): the id of a named synchronization scope, created if new.
unsigned LLVMGetSyncScopeID(LLVMContextRef C, const char *Name, size_t SLen) {
  return unwrap(C)->getOrInsertSyncScopeID(StringRef(Name, SLen));
}

// Core.h (LLVM 20): whether an instruction is atomic (false for a non-instruction value).
LLVMBool LLVMIsAtomic(LLVMValueRef Inst) {
  if (auto *I = dyn_cast<Instruction>(unwrap(Inst)))
    return I->isAtomic();
  return false;
}

// Core.h (LLVM 20): set the synchronization scope of an atomic instruction.
void LLVMSetAtomicSyncScopeID(LLVMValueRef AtomicInst, unsigned SSID) {
  Instruction *I = unwrap<Instruction>(AtomicInst);
  if (auto *L = dyn_cast<LoadInst>(I))
    L->setSyncScopeID(SSID);
  else if (auto *S = dyn_cast<StoreInst>(I))
    S->setSyncScopeID(SSID);
  else if (auto *F = dyn_cast<FenceInst>(I))
    F->setSyncScopeID(SSID);
  else if (auto *R = dyn_cast<AtomicRMWInst>(I))
    R->setSyncScopeID(SSID);
  else if (auto *X = dyn_cast<AtomicCmpXchgInst>(I))
    X->setSyncScopeID(SSID);
}

// Core.h (LLVM 20): LLVMBuildFence with an explicit synchronization scope.
LLVMValueRef LLVMBuildFenceSyncScope(LLVMBuilderRef B, LLVMAtomicOrdering Ordering,
                                     unsigned SSID, const char *Name) {
  LLVMValueRef V = LLVMBuildFence(B, Ordering, /*SingleThread=*/0, Name);
  LLVMSetAtomicSyncScopeID(V, SSID);
  return V;
}

// Core.h (LLVM 20): LLVMBuildAtomicRMW with an explicit synchronization scope.
LLVMValueRef LLVMBuildAtomicRMWSyncScope(LLVMBuilderRef B, LLVMAtomicRMWBinOp Op,
                                         LLVMValueRef Ptr, LLVMValueRef Val,
                                         LLVMAtomicOrdering Ordering, unsigned SSID) {
  LLVMValueRef V = LLVMBuildAtomicRMW(B, Op, Ptr, Val, Ordering, /*SingleThread=*/0);
  LLVMSetAtomicSyncScopeID(V, SSID);
  return V;
}

// Core.h (LLVM 20): LLVMBuildAtomicCmpXchg with an explicit synchronization scope.
LLVMValueRef LLVMBuildAtomicCmpXchgSyncScope(LLVMBuilderRef B, LLVMValueRef Ptr,
                                             LLVMValueRef Cmp, LLVMValueRef New,
                                             LLVMAtomicOrdering SuccessOrdering,
                                             LLVMAtomicOrdering FailureOrdering,
                                             unsigned SSID) {
  LLVMValueRef V = LLVMBuildAtomicCmpXchg(B, Ptr, Cmp, New, SuccessOrdering, FailureOrdering,
                                          /*SingleThread=*/0);
  LLVMSetAtomicSyncScopeID(V, SSID);
  return V;
}

// IRReader.h (LLVM 21): as LLVMParseIRInContext, but the caller keeps ownership of the buffer.
// On failure *OutM is null and *OutMessage (if asked for) is a malloc'ed diagnostic that the
// caller frees with LLVMDisposeMessage.
LLVMBool LLVMParseIRInContext2(LLVMContextRef C, LLVMMemoryBufferRef MemBuf,
                               LLVMModuleRef *OutM, char **OutMessage) {
  SMDiagnostic Diag;
  std::unique_ptr<Module> M = parseIR(unwrap(MemBuf)->getMemBufferRef(), Diag, *unwrap(C));
  *OutM = wrap(M.release());
  if (!*OutM) {
    if (OutMessage) {
      std::string Buf;
      raw_string_ostream OS(Buf);
      Diag.print(nullptr, OS, /*ShowColors=*/false);
      OS.flush();
      *OutMessage = strdup(Buf.c_str());
    }
    return 1;
  }
  return 0;
}

// Orc.h (LLVM 21): a thread-safe context that takes ownership of an existing LLVMContext.
LLVMOrcThreadSafeContextRef LLVMOrcCreateNewThreadSafeContextFromLLVMContext(LLVMContextRef Ctx) {
  return wrap(new orc::ThreadSafeContext(std::unique_ptr<LLVMContext>(unwrap(Ctx))));
}

} // extern "C"
