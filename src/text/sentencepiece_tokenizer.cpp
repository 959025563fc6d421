#include "text/sentencepiece_tokenizer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <locale>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace gtrain {

// Function table of libgtrain_spm.so; see src/text/spm_shim/spm_shim.cpp for the contract.
struct SpmShimApi {
  std::string path;
  int (*abi_version)() = nullptr;
  void* (*load)(const char*, char*, int) = nullptr;
  void (*free_)(void*) = nullptr;
  int (*encode)(void*, const char*, int, int*, int*, int*, int) = nullptr;
  int (*vocab_size)(void*) = nullptr;
  int (*piece_to_id)(void*, const char*) = nullptr;
  int (*id_to_piece)(void*, int, char*, int) = nullptr;
  int (*unk_id)(void*) = nullptr;
  int (*pad_id)(void*) = nullptr;
  int (*bos_id)(void*) = nullptr;
  int (*eos_id)(void*) = nullptr;
  int (*train)(const char*, char*, int) = nullptr;
};

namespace {

constexpr int kShimAbiVersion = 1;
constexpr int kErrLen = 4096;

std::string exe_dir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  std::string p(buf, static_cast<size_t>(n));
  const size_t slash = p.rfind('/');
  return slash == std::string::npos ? std::string(".") : p.substr(0, slash);
}

template <typename F>
bool bind(void* lib, const char* name, F* fn, std::string* missing) {
  void* sym = ::dlsym(lib, name);
  if (!sym) {
    *missing += std::string(missing->empty() ? "" : ", ") + name;
    return false;
  }
  *fn = reinterpret_cast<F>(sym);
  return true;
}

// Tries to open one candidate; on success fills api and returns true, else appends to `why`.
bool try_open(const std::string& path, SpmShimApi* api, std::string* why) {
  // Preferred: a fresh link-map namespace (own copies of libstdc++/libc/sentencepiece/protobuf),
  // fully isolated from libtorch's protobuf. Fallback: RTLD_DEEPBIND in the main namespace, which
  // isolates protobuf too but breaks sentencepiece's std::cerr logging (the executable's
  // copy-relocated std::cerr is not the one DEEPBIND finds): encoding works, training may crash.
  void* lib = nullptr;
  const char* force_deepbind = std::getenv("GTRAIN_SPM_DEEPBIND");
  if (!(force_deepbind && *force_deepbind && std::string(force_deepbind) != "0")) {
    ::dlerror();
    lib = ::dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* e = ::dlerror();
      *why += "\n  " + path + " (dlmopen LM_ID_NEWLM): " + (e ? e : "failed");
      if (::access(path.c_str(), F_OK) != 0) return false;  // no point retrying a missing file
    }
  }
  if (!lib) {
    ::dlerror();
    lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!lib) {
      const char* e = ::dlerror();
      *why += "\n  " + path + " (dlopen RTLD_DEEPBIND): " + (e ? e : "failed");
      return false;
    }
  }
  std::string missing;
  bool ok = bind(lib, "gtrain_spm_abi_version", &api->abi_version, &missing);
  ok &= bind(lib, "gtrain_spm_load", &api->load, &missing);
  ok &= bind(lib, "gtrain_spm_free", &api->free_, &missing);
  ok &= bind(lib, "gtrain_spm_encode", &api->encode, &missing);
  ok &= bind(lib, "gtrain_spm_vocab_size", &api->vocab_size, &missing);
  ok &= bind(lib, "gtrain_spm_piece_to_id", &api->piece_to_id, &missing);
  ok &= bind(lib, "gtrain_spm_id_to_piece", &api->id_to_piece, &missing);
  ok &= bind(lib, "gtrain_spm_unk_id", &api->unk_id, &missing);
  ok &= bind(lib, "gtrain_spm_pad_id", &api->pad_id, &missing);
  ok &= bind(lib, "gtrain_spm_bos_id", &api->bos_id, &missing);
  ok &= bind(lib, "gtrain_spm_eos_id", &api->eos_id, &missing);
  ok &= bind(lib, "gtrain_spm_train", &api->train, &missing);
  if (!ok) {
    *why += "\n  " + path + ": missing symbols " + missing;
    ::dlclose(lib);
    return false;
  }
  if (api->abi_version() != kShimAbiVersion) {
    *why += "\n  " + path + ": ABI version " + std::to_string(api->abi_version()) +
            ", expected " + std::to_string(kShimAbiVersion);
    ::dlclose(lib);
    return false;
  }
  api->path = path;
  return true;  // never dlclose'd: handles and function pointers stay valid for the process
}

std::mutex g_shim_mu;
const SpmShimApi* g_shim = nullptr;

// Loads the shim once per process (a failed attempt is retried on the next call).
const SpmShimApi& shim() {
  std::lock_guard<std::mutex> lock(g_shim_mu);
  if (g_shim) return *g_shim;
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("GTRAIN_SPM_SHIM"); env && *env) candidates.push_back(env);
#ifdef GTRAIN_SPM_SHIM_PATH
  candidates.push_back(GTRAIN_SPM_SHIM_PATH);
#endif
  const std::string dir = exe_dir();
  if (!dir.empty()) candidates.push_back(dir + "/libgtrain_spm.so");
  std::string why;
  for (const auto& c : candidates) {
    auto api = std::make_unique<SpmShimApi>();
    if (try_open(c, api.get(), &why)) {
      g_shim = api.release();
      return *g_shim;
    }
  }
  throw std::runtime_error(
      "cannot load the SentencePiece shim libgtrain_spm.so (set GTRAIN_SPM_SHIM to its path); "
      "tried:" + (why.empty() ? std::string(" nothing") : why));
}

}  // namespace

std::string SentencePieceTokenizer::shim_path() { return shim().path; }

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_path)
    : model_path_(model_path) {
  // Hash first: this also gives a clear "cannot open file '<path>'" error for a missing model.
  {
    std::FILE* f = std::fopen(model_path.c_str(), "rb");
    if (!f) throw std::runtime_error("SentencePiece model file not found or unreadable: '" +
                                     model_path + "'");
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) model_hash_.update(buf, n);
    const bool err = std::ferror(f) != 0;
    std::fclose(f);
    if (err) throw std::runtime_error("error reading SentencePiece model '" + model_path + "'");
  }
  api_ = &shim();
  char err[kErrLen] = {0};
  handle_ = api_->load(model_path.c_str(), err, kErrLen);
  if (!handle_)
    throw std::runtime_error(err[0] ? std::string(err)
                                    : "cannot load SentencePiece model '" + model_path + "'");
  base_vocab_ = api_->vocab_size(handle_);
  unk_id_ = api_->unk_id(handle_);
  const int pad = api_->pad_id(handle_);
  pad_id_ = pad >= 0 ? pad : 0;
  if (base_vocab_ <= 0) {
    api_->free_(handle_);
    handle_ = nullptr;
    throw std::runtime_error("SentencePiece model '" + model_path + "' has an empty vocabulary");
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  if (handle_ && api_) api_->free_(handle_);
}

void SentencePieceTokenizer::encode_plain(const char* text, size_t len, int32_t shift,
                                          std::vector<Piece>* out) const {
  if (len == 0) return;
  int cap = static_cast<int>(len) + 8;
  std::vector<int> ids, begins, ends;
  for (;;) {
    ids.resize(cap);
    begins.resize(cap);
    ends.resize(cap);
    const int n = api_->encode(handle_, text, static_cast<int>(len), ids.data(), begins.data(),
                               ends.data(), cap);
    if (n < 0)
      throw std::runtime_error("SentencePiece encoding failed for '" + std::string(text, len) +
                               "'");
    if (n > cap) {
      cap = n;
      continue;
    }
    for (int i = 0; i < n; ++i) out->push_back(Piece{from_model_id(ids[i]), begins[i] + shift, ends[i] + shift});
    return;
  }
}

std::vector<Piece> SentencePieceTokenizer::encode_word(const std::string& word) const {
  std::vector<Piece> out;
  if (word.empty()) return out;
  if (special_tokens_.empty()) {
    encode_plain(word.data(), word.size(), 0, &out);
    return out;
  }
  if (auto it = special_ids_.find(word); it != special_ids_.end()) {
    out.push_back(Piece{it->second, 0, static_cast<int32_t>(word.size())});
    return out;
  }
  // Split special tokens out of a longer word: leftmost match, longest token on ties.
  size_t seg_begin = 0, pos = 0;
  while (pos < word.size()) {
    const std::string* best = nullptr;
    for (const auto& t : special_tokens_)
      if (!t.empty() && (!best || t.size() > best->size()) &&
          word.compare(pos, t.size(), t) == 0)
        best = &t;
    if (!best) {
      ++pos;
      continue;
    }
    encode_plain(word.data() + seg_begin, pos - seg_begin, static_cast<int32_t>(seg_begin), &out);
    out.push_back(Piece{special_ids_.at(*best), static_cast<int32_t>(pos),
                        static_cast<int32_t>(pos + best->size())});
    pos += best->size();
    seg_begin = pos;
  }
  encode_plain(word.data() + seg_begin, word.size() - seg_begin, static_cast<int32_t>(seg_begin),
               &out);
  return out;
}

namespace {
const char* const kFairseqSpecials[] = {"<s>", "<pad>", "</s>", "<unk>"};
}

void SentencePieceTokenizer::use_fairseq_ids() {
  if (!special_tokens_.empty())
    throw std::logic_error("SentencePieceTokenizer::use_fairseq_ids: call it before adding special tokens");
  fairseq_ = true;
  pad_id_ = 1;
  unk_id_ = 3;
  // XLMRobertaTokenizer never splits its special tokens: match them whole in text too.
  for (const char* t : {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}) {
    special_tokens_.push_back(t);
    special_ids_.emplace(t, piece_to_id(t));
  }
}

int32_t SentencePieceTokenizer::from_model_id(int32_t id) const {
  if (!fairseq_) return id;
  return id == 0 ? 3 : id + 1;  // XLMRobertaTokenizer._convert_token_to_id
}

std::string SentencePieceTokenizer::id_to_piece(int32_t id) const {
  if (id >= first_added_id() && id < vocab_size()) return added_pieces_[id - first_added_id()];
  if (fairseq_) {
    if (id >= 0 && id < 4) return kFairseqSpecials[id];
    if (id == base_vocab_ + 1) return "<mask>";
    if (id > 0) --id;  // the model's own id
  }
  if (id < 0 || id >= base_vocab_)
    throw std::out_of_range("token id " + std::to_string(id) + " outside vocabulary of size " +
                            std::to_string(vocab_size()));
  std::vector<char> buf(64);
  for (;;) {
    const int n = api_->id_to_piece(handle_, id, buf.data(), static_cast<int>(buf.size()));
    if (n < 0) throw std::out_of_range("token id " + std::to_string(id) + " rejected by model");
    if (n < static_cast<int>(buf.size())) return std::string(buf.data(), static_cast<size_t>(n));
    buf.resize(static_cast<size_t>(n) + 1);
  }
}

int32_t SentencePieceTokenizer::piece_to_id(const std::string& piece) const {
  if (auto it = special_ids_.find(piece); it != special_ids_.end()) return it->second;
  if (piece.find('\0') != std::string::npos) return -1;
  if (fairseq_) {
    for (int32_t i = 0; i < 4; ++i)
      if (piece == kFairseqSpecials[i]) return i;
    if (piece == "<mask>") return base_vocab_ + 1;
  }
  const int32_t id = api_->piece_to_id(handle_, piece.c_str());
  return id < 0 ? -1 : from_model_id(id);
}

int32_t SentencePieceTokenizer::vocab_size() const {
  return first_added_id() + static_cast<int32_t>(added_pieces_.size());
}

int32_t SentencePieceTokenizer::pad_id() const { return pad_id_; }
int32_t SentencePieceTokenizer::unk_id() const { return unk_id_; }

std::string SentencePieceTokenizer::fingerprint() const {
  Sha256 h = model_hash_;
  if (fairseq_) h.update("\nfairseq", 8);  // same model file, other ids
  h.update("\n", 1);
  for (size_t i = 0; i < special_tokens_.size(); ++i) {
    if (i) h.update("\n", 1);
    h.update(special_tokens_[i].data(), special_tokens_[i].size());
  }
  return h.hex_digest();
}

std::vector<int32_t> SentencePieceTokenizer::add_special_tokens(
    const std::vector<std::string>& tokens) {
  std::vector<int32_t> ids;
  ids.reserve(tokens.size());
  for (const auto& t : tokens) {
    if (t.empty()) throw std::invalid_argument("empty special token");
    if (auto it = special_ids_.find(t); it != special_ids_.end()) {
      ids.push_back(it->second);
      continue;
    }
    int32_t id = piece_to_id(t);
    if (id < 0) {
      id = vocab_size();
      added_pieces_.push_back(t);
    }
    special_tokens_.push_back(t);
    special_ids_.emplace(t, id);
    ids.push_back(id);
  }
  return ids;
}

void train_sentencepiece(const std::string& input_file, const std::string& model_prefix,
                         int vocab_size, const std::string& model_type,
                         double character_coverage, bool exact_vocab_size) {
  // SentencePiece splits the flag string on spaces, so paths must not contain whitespace.
  for (const auto* p : {&input_file, &model_prefix})
    if (p->empty() || p->find_first_of(" \t\n\r") != std::string::npos)
      throw std::runtime_error("train_sentencepiece: path must be non-empty and contain no "
                               "whitespace: '" + *p + "'");
  if (model_type != "unigram" && model_type != "bpe" && model_type != "char" &&
      model_type != "word")
    throw std::runtime_error("train_sentencepiece: model_type must be unigram, bpe, char or word, "
                             "not '" + model_type + "'");
  if (vocab_size <= 0) throw std::runtime_error("train_sentencepiece: vocab_size must be > 0");
  if (!(character_coverage > 0.0 && character_coverage <= 1.0))
    throw std::runtime_error("train_sentencepiece: character_coverage must be in (0, 1]");
  {
    std::FILE* f = std::fopen(input_file.c_str(), "rb");
    if (!f) throw std::runtime_error("train_sentencepiece: cannot open input '" + input_file + "'");
    std::fclose(f);
  }
  std::ostringstream args;
  args.imbue(std::locale::classic());
  args.precision(17);
  args << "--input=" << input_file << " --model_prefix=" << model_prefix
       << " --vocab_size=" << vocab_size << " --model_type=" << model_type
       << " --character_coverage=" << character_coverage
       << " --pad_id=0 --unk_id=1 --bos_id=-1 --eos_id=-1"
       << " --hard_vocab_limit=" << (exact_vocab_size ? "true" : "false") << " --minloglevel=1";
  char err[kErrLen] = {0};
  if (shim().train(args.str().c_str(), err, kErrLen) != 0)
    throw std::runtime_error(err[0] ? std::string(err)
                                    : "SentencePiece training failed (" + args.str() + ")");
}

}  // namespace gtrain
