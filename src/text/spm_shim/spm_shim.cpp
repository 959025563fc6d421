// libgtrain_spm.so: the only code in gtrain that touches libsentencepiece.
//
// Debian's libsentencepiece carries its own copy of protobuf (3.14) whose symbols clash with the
// protobuf inside libtorch (3.21): a process that links both segfaults at load. The main code
// therefore never links sentencepiece; it dlopen()s this library with RTLD_LOCAL|RTLD_DEEPBIND so
// that sentencepiece binds to its own protobuf, and talks to it through this plain C ABI.
//
// Rules of the ABI: no C++ exception ever crosses it (every entry point catches everything), every
// string is NUL-terminated UTF-8, error text goes into a caller-provided buffer.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#define GTRAIN_SPM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// Bumped whenever a signature below changes; the loader refuses a shim with another version.
constexpr int kAbiVersion = 1;

void set_err(char* err, int errlen, const std::string& msg) {
  if (!err || errlen <= 0) return;
  size_t n = std::min(msg.size(), static_cast<size_t>(errlen - 1));
  std::memcpy(err, msg.data(), n);
  err[n] = '\0';
}

sentencepiece::SentencePieceProcessor* as_sp(void* h) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(h);
}

// get(processor) for a handle, -1 for a null handle or an exception: the special-id entry points.
template <typename Get>
int special_id(void* h, Get get) {
  try {
    return h ? get(*as_sp(h)) : -1;
  } catch (...) {
    return -1;
  }
}

}  // namespace

GTRAIN_SPM_EXPORT int gtrain_spm_abi_version() { return kAbiVersion; }

// Loads a .model file. Returns a handle, or nullptr with a message in err.
GTRAIN_SPM_EXPORT void* gtrain_spm_load(const char* path, char* err, int errlen) {
  try {
    if (!path) {
      set_err(err, errlen, "null model path");
      return nullptr;
    }
    auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
    const auto st = sp->Load(path);
    if (!st.ok()) {
      set_err(err, errlen, std::string("cannot load SentencePiece model '") + path + "': " +
                               st.ToString());
      return nullptr;
    }
    return sp.release();
  } catch (const std::exception& e) {
    set_err(err, errlen, std::string("exception loading SentencePiece model: ") + e.what());
  } catch (...) {
    set_err(err, errlen, "unknown exception loading SentencePiece model");
  }
  return nullptr;
}

GTRAIN_SPM_EXPORT void gtrain_spm_free(void* h) {
  try {
    delete as_sp(h);
  } catch (...) {
  }
}

// Encodes text[0, len) exactly as SentencePieceProcessor::Encode does. Writes up to cap pieces
// (ids and byte offsets [begin, end) into text) and returns the total piece count: if it is > cap,
// call again with a bigger cap. Returns -1 on error.
GTRAIN_SPM_EXPORT int gtrain_spm_encode(void* h, const char* text, int len, int* ids, int* begins,
                                        int* ends, int cap) {
  try {
    if (!h || (!text && len > 0) || len < 0) return -1;
    const auto spt = as_sp(h)->EncodeAsImmutableProto(absl::string_view(text, len));
    const int n = static_cast<int>(spt.pieces_size());
    for (int i = 0; i < n && i < cap; ++i) {
      const auto p = spt.pieces(i);
      if (ids) ids[i] = static_cast<int>(p.id());
      if (begins) begins[i] = static_cast<int>(p.begin());
      if (ends) ends[i] = static_cast<int>(p.end());
    }
    return n;
  } catch (...) {
    return -1;
  }
}

GTRAIN_SPM_EXPORT int gtrain_spm_vocab_size(void* h) {
  try {
    return h ? as_sp(h)->GetPieceSize() : -1;
  } catch (...) {
    return -1;
  }
}

// Id of a piece, or -1 when the piece is not in the vocabulary (SentencePiece itself would answer
// unk_id; here "<unk>" alone maps to unk_id).
GTRAIN_SPM_EXPORT int gtrain_spm_piece_to_id(void* h, const char* piece) {
  try {
    if (!h || !piece) return -1;
    auto* sp = as_sp(h);
    const int id = sp->PieceToId(piece);
    if (id < 0 || id >= sp->GetPieceSize()) return -1;
    if (sp->IdToPiece(id) != piece) return -1;  // unknown piece came back as unk_id
    return id;
  } catch (...) {
    return -1;
  }
}

// Writes the piece of id (NUL-terminated) into buf and returns its byte length; if that length
// is >= cap nothing useful was written: call again with a bigger buffer. -1 for a bad id.
GTRAIN_SPM_EXPORT int gtrain_spm_id_to_piece(void* h, int id, char* buf, int cap) {
  try {
    if (!h) return -1;
    auto* sp = as_sp(h);
    if (id < 0 || id >= sp->GetPieceSize()) return -1;
    const std::string& p = sp->IdToPiece(id);
    const int n = static_cast<int>(p.size());
    if (buf && cap > n) {
      std::memcpy(buf, p.data(), p.size());
      buf[n] = '\0';
    } else if (buf && cap > 0) {
      buf[0] = '\0';
    }
    return n;
  } catch (...) {
    return -1;
  }
}

GTRAIN_SPM_EXPORT int gtrain_spm_unk_id(void* h) { return special_id(h, [](const auto& sp) { return sp.unk_id(); }); }
GTRAIN_SPM_EXPORT int gtrain_spm_pad_id(void* h) { return special_id(h, [](const auto& sp) { return sp.pad_id(); }); }
GTRAIN_SPM_EXPORT int gtrain_spm_bos_id(void* h) { return special_id(h, [](const auto& sp) { return sp.bos_id(); }); }
GTRAIN_SPM_EXPORT int gtrain_spm_eos_id(void* h) { return special_id(h, [](const auto& sp) { return sp.eos_id(); }); }

// Wraps SentencePieceTrainer::Train(args), args being the spm_train command-line flags
// ("--input=... --model_prefix=... --vocab_size=..."). Returns 0 on success, -1 with a message.
// Note: invalid flags that sentencepiece treats as fatal (LOG(FATAL)/CHECK) abort the process;
// they cannot be caught here.
GTRAIN_SPM_EXPORT int gtrain_spm_train(const char* args, char* err, int errlen) {
  try {
    if (!args) {
      set_err(err, errlen, "null training arguments");
      return -1;
    }
    const auto st = sentencepiece::SentencePieceTrainer::Train(absl::string_view(args));
    if (!st.ok()) {
      set_err(err, errlen, "SentencePiece training failed: " + st.ToString());
      return -1;
    }
    return 0;
  } catch (const std::exception& e) {
    set_err(err, errlen, std::string("exception in SentencePiece training: ") + e.what());
  } catch (...) {
    set_err(err, errlen, "unknown exception in SentencePiece training");
  }
  return -1;
}
