// gtrain tokenizer train | encode
#include <cstdio>

#include "cli/commands.h"
#include "text/sentencepiece_tokenizer.h"
#include "text/strings.h"
#include "text/tokenizer.h"

namespace gtrain::cli {

void add_tokenizer_command(CLI::App& app) {
  CLI::App* tk = app.add_subcommand("tokenizer", "train or try tokenizers");
  tk->require_subcommand(1);

  struct TrainArgs { std::string input, prefix, type = "unigram"; int vocab = 8000; double coverage = 0.9995; bool max_only = false; };
  auto t = std::make_shared<TrainArgs>();
  CLI::App* train = tk->add_subcommand("train", "train a SentencePiece model from raw text (one sentence per line)");
  train->add_option("--input", t->input, "raw text file")->required();
  train->add_option("--model-prefix", t->prefix, "writes PREFIX.model and PREFIX.vocab")->required();
  train->add_option("--vocab-size", t->vocab, "vocabulary size")->capture_default_str();
  train->add_option("--model-type", t->type, "unigram | bpe | char | word")->capture_default_str();
  train->add_option("--character-coverage", t->coverage, "share of characters covered")->capture_default_str();
  train->add_flag("--vocab-size-is-max", t->max_only, "allow fewer pieces when the corpus is small");
  train->callback([t] {
    train_sentencepiece(t->input, t->prefix, t->vocab, t->type, t->coverage, !t->max_only);
    std::printf("wrote %s.model and %s.vocab\n", t->prefix.c_str(), t->prefix.c_str());
  });

  struct EncArgs { std::string tokenizer; std::vector<std::string> words; bool text = false; };
  auto e = std::make_shared<EncArgs>();
  CLI::App* enc = tk->add_subcommand("encode", "print the pieces and ids of each word (or of a whole text)");
  enc->add_option("-t,--tokenizer", e->tokenizer, "tokenizer path (a file, or a model / encoder directory)")->required();
  enc->add_option("words", e->words, "words")->required();
  enc->add_flag("--text", e->text,
                "encode each argument as a text, as Hugging Face's tokenizer(text) does: cls token, the pieces of "
                "each whitespace-separated word, sep token");
  enc->callback([e] {
    auto tok = open_tokenizer(e->tokenizer);
    tok->add_special_tokens(gliner2_special_tokens());
    for (const auto& w : e->words) {
      if (e->text) {
        std::vector<std::string> ids, pieces;
        for (const Piece& p : encode_text(*tok, w)) {
          ids.push_back(std::to_string(p.id));
          pieces.push_back(tok->id_to_piece(p.id));
        }
        std::printf("%s\nids\t%s\npieces\t%s\n", w.c_str(), join(ids, " ", ids.size()).c_str(),
                    join(pieces, " ", pieces.size()).c_str());
        continue;
      }
      for (const Piece& p : tok->encode_word(w))
        std::printf("%s\t%d\t%s\t[%d,%d)\n", w.c_str(), p.id, tok->id_to_piece(p.id).c_str(), p.begin, p.end);
    }
  });
}

}  // namespace gtrain::cli
