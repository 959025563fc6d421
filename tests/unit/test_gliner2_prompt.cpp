// GLiNER2 input construction against the golden fixtures written by GLiNER2 1.2.3 itself
// (../shared/fixtures/gliner2_tiny{,_v2}/fixtures.json), plus the cases the fixtures lack.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/gliner2_prompt.h"
#include "text/tokenizer.h"
#include "support/fixtures.h"

using gtrain::Gliner2Input;
using gtrain::Schema;
using gtrain::SchemaField;
using gtrain::SchemaPrefix;
using gtrain::Segment;
using gtrain::TokenOrigin;
using gtrain::test::fixture_dir;

namespace {

struct Fixture {
  nlohmann::json j;
  std::unique_ptr<gtrain::Tokenizer> tok;
  std::vector<std::string> labels;
};

// Loads fixtures.json and the fixture's tokenizer (spm.model + added_tokens.json); false = absent.
bool load_fixture(const std::string& name, Fixture* f) {
  const std::string dir = fixture_dir(name);
  if (!std::filesystem::exists(dir + "/fixtures.json")) return false;
  std::ifstream in(dir + "/fixtures.json");
  in >> f->j;
  f->tok = gtrain::open_tokenizer(dir);
  f->labels = f->j.at("entity_types").get<std::vector<std::string>>();
  return true;
}

#define LOAD_OR_SKIP(name, f)                                                      \
  Fixture f;                                                                       \
  if (!load_fixture(name, &f)) GTEST_SKIP() << "fixture absent: " << fixture_dir(name)

Segment segment_of(const std::string& s) {
  if (s == "schema") return Segment::Schema;
  if (s == "sep") return Segment::Sep;
  if (s == "text") return Segment::Text;
  throw std::runtime_error("unknown segment " + s);
}

std::vector<TokenOrigin> origins_of(const nlohmann::json& mapped) {
  std::vector<TokenOrigin> out;
  for (const auto& m : mapped)
    out.push_back(TokenOrigin{segment_of(m.at(0).get<std::string>()), m.at(1).get<int32_t>(),
                              m.at(2).get<int32_t>()});
  return out;
}

std::vector<int32_t> ids_of(const gtrain::Tokenizer& tok, const std::string& word) {
  std::vector<int32_t> out;
  for (const auto& p : tok.encode_word(word)) out.push_back(p.id);
  return out;
}

// Every example of one fixture directory, built from raw text.
void check_raw_text(const std::string& name) {
  LOAD_OR_SKIP(name, f);
  const SchemaPrefix prefix = gtrain::build_schema_prefix({gtrain::entity_schema(f.labels)}, *f.tok);
  const auto& examples = f.j.at("examples");
  ASSERT_EQ(examples.size(), 4u);
  for (size_t i = 0; i < examples.size(); ++i) {
    SCOPED_TRACE(name + " example " + std::to_string(i));
    const auto& ex = examples[i];
    // Pseudo-words of the schema, as GLiNER2 serialised them.
    std::vector<std::string> schema_words = ex.at("schema_tokens").at(0);
    EXPECT_EQ(gtrain::schema_pseudo_words(prefix.schemas[0]), schema_words);

    const Gliner2Input in = gtrain::build_gliner2_input(ex.at("text").get<std::string>(), prefix, *f.tok);
    EXPECT_EQ(in.normalized_text, ex.at("normalized_text").get<std::string>());
    EXPECT_EQ(in.input_ids, ex.at("input_ids").get<std::vector<int32_t>>());
    EXPECT_EQ(in.seq_len(), ex.at("seq_len").get<int32_t>());
    EXPECT_EQ(in.word_first_token, ex.at("word_first_subword_pos").get<std::vector<int32_t>>());
    EXPECT_EQ(in.num_words(), ex.at("num_words").get<int32_t>());
    EXPECT_EQ(in.word_char_start, ex.at("word_char_start").get<std::vector<int32_t>>());
    EXPECT_EQ(in.word_char_end, ex.at("word_char_end").get<std::vector<int32_t>>());
    ASSERT_EQ(in.schema_special_pos.size(), 1u);
    EXPECT_EQ(in.schema_special_pos[0], ex.at("schema_special_pos").get<std::vector<int32_t>>());
    EXPECT_TRUE(in.origins == origins_of(ex.at("mapped_indices")));
    // The pieces behind the ids, as the slow HF tokenizer named them.
    const auto pieces = ex.at("subword_tokens").get<std::vector<std::string>>();
    ASSERT_EQ(pieces.size(), in.input_ids.size());
    for (size_t k = 0; k < pieces.size(); ++k) EXPECT_EQ(f.tok->id_to_piece(in.input_ids[k]), pieces[k]);
    // The text starts right after [SEP_TEXT].
    EXPECT_EQ(in.text_begin, prefix.size());
    EXPECT_EQ(in.input_ids[in.text_begin - 1], f.tok->piece_to_id("[SEP_TEXT]"));
    EXPECT_EQ(in.period_appended, false);  // every fixture text already ends in '.'
  }
}

}  // namespace

TEST(Gliner2Prompt, FixtureRawTextCountLstm) { check_raw_text("gliner2_tiny"); }
TEST(Gliner2Prompt, FixtureRawTextCountLstmV2) { check_raw_text("gliner2_tiny_v2"); }

// The trainer's path: prepared token ids + unit -> first token, prompt prepended.
TEST(Gliner2Prompt, FixtureFromUnits) {
  for (const std::string name : {"gliner2_tiny", "gliner2_tiny_v2"}) {
    LOAD_OR_SKIP(name, f);
    const SchemaPrefix prefix = gtrain::build_schema_prefix({gtrain::entity_schema(f.labels)}, *f.tok);
    for (size_t i = 0; i < f.j.at("examples").size(); ++i) {
      SCOPED_TRACE(name + " example " + std::to_string(i));
      const auto& ex = f.j.at("examples")[i];
      const auto ids = ex.at("input_ids").get<std::vector<int32_t>>();
      const auto first = ex.at("word_first_subword_pos").get<std::vector<int32_t>>();
      const int32_t begin = prefix.size();
      ASSERT_EQ(std::vector<int32_t>(ids.begin(), ids.begin() + begin), prefix.ids);
      gtrain::PreparedExample row;
      row.text = ex.at("normalized_text").get<std::string>();
      row.token_ids.assign(ids.begin() + begin, ids.end());
      for (int32_t p : first) row.unit_token.push_back(p - begin);
      row.unit_char_start = ex.at("word_char_start").get<std::vector<int32_t>>();
      row.unit_char_end = ex.at("word_char_end").get<std::vector<int32_t>>();
      const Gliner2Input in = gtrain::assemble_gliner2_input(prefix, row);
      EXPECT_FALSE(in.period_appended);
      EXPECT_EQ(in.input_ids, ids);
      EXPECT_EQ(in.word_first_token, first);
      EXPECT_EQ(in.schema_special_pos[0], ex.at("schema_special_pos").get<std::vector<int32_t>>());
      EXPECT_TRUE(in.origins == origins_of(ex.at("mapped_indices")));
      EXPECT_EQ(in.word_char_start, row.unit_char_start);

      // Drop the final "." word: the normalisation rule must bring it back, ids and all.
      gtrain::PreparedExample cut = row;
      const int32_t last_first = cut.unit_token.back();
      cut.token_ids.resize(last_first);
      cut.unit_token.pop_back();
      cut.unit_char_start.pop_back();
      cut.unit_char_end.pop_back();
      cut.text.pop_back();  // the trailing '.' (ASCII)
      const Gliner2Input again = gtrain::assemble_gliner2_input(prefix, cut);
      EXPECT_TRUE(again.period_appended);
      EXPECT_EQ(again.input_ids, ids);
      EXPECT_EQ(again.word_first_token, first);
      EXPECT_EQ(again.word_char_start, row.unit_char_start);
      EXPECT_EQ(again.word_char_end, row.unit_char_end);
      EXPECT_TRUE(again.origins == origins_of(ex.at("mapped_indices")));
      // ... and the raw-text path appends the same "." to the text without it.
      const Gliner2Input raw = gtrain::build_gliner2_input(cut.text, prefix, *f.tok);
      EXPECT_TRUE(raw.period_appended);
      EXPECT_EQ(raw.normalized_text, row.text);
      EXPECT_EQ(raw.input_ids, ids);
    }
  }
}

// Descriptions (the fixture has none): PROMPT is one string with [DESCRIPTION] split out and each
// chunk tokenized on its own. Expected ids come from `spm_encode --model=spm.model` on the chunks
// "entities ", " Disease: 당뇨병 같은 만성 질환" and " Drug: 약물" (sentencepiece drops the
// leading/trailing spaces; '같' is not in the toy vocabulary and becomes [UNK] = 3).
TEST(Gliner2Prompt, DescriptionsInPrompt) {
  LOAD_OR_SKIP("gliner2_tiny", f);
  const Schema s = gtrain::entity_schema(std::vector<SchemaField>{
      {"Disease", "당뇨병 같은 만성 질환"}, {"Drug", "약물"}, {"Procedure", ""}, {"Biomarker", ""}});
  EXPECT_EQ(gtrain::schema_prompt(s),
            "entities [DESCRIPTION] Disease: 당뇨병 같은 만성 질환 [DESCRIPTION] Drug: 약물");
  const SchemaPrefix prefix = gtrain::build_schema_prefix({s}, *f.tok);
  const std::vector<int32_t> prompt_ids = {213, 184, 152, 152, 47, 175, 522, 82, 139, 98,  144,
                                           98,  359, 122, 4,   3,   442, 4,   128, 22, 4,   96,
                                           111, 522, 82,  41,  71,  66,  359, 4,   301, 291};
  // "▁ (" "[P]" PROMPT "▁ (" then the markers and labels exactly as without descriptions.
  const auto& ex = f.j.at("examples")[0];
  const auto plain = ex.at("input_ids").get<std::vector<int32_t>>();
  std::vector<int32_t> want = {4, 183, 515};
  want.insert(want.end(), prompt_ids.begin(), prompt_ids.end());
  // In the plain fixture the prompt "entities" is ids [3, 9) ("▁e n ti ti e s").
  want.insert(want.end(), plain.begin() + 9, plain.end());
  const Gliner2Input in = gtrain::build_gliner2_input(ex.at("text").get<std::string>(), prefix, *f.tok);
  EXPECT_EQ(in.input_ids, want);
  const int32_t grow = static_cast<int32_t>(prompt_ids.size()) - 6;
  std::vector<int32_t> special = {2};
  for (int32_t p : ex.at("schema_special_pos").get<std::vector<int32_t>>())
    if (p != 2) special.push_back(p + grow);
  ASSERT_EQ(in.schema_special_pos.size(), 1u);
  EXPECT_EQ(in.schema_special_pos[0], special);
  for (size_t k = 1; k < special.size(); ++k) EXPECT_EQ(in.input_ids[special[k]], 517);  // [E]
  std::vector<int32_t> first;
  for (int32_t p : ex.at("word_first_subword_pos").get<std::vector<int32_t>>()) first.push_back(p + grow);
  EXPECT_EQ(in.word_first_token, first);
  // The prompt is ONE pseudo-word: all its tokens map to word 2 of schema 0.
  for (int32_t k = 3; k < 3 + static_cast<int32_t>(prompt_ids.size()); ++k)
    EXPECT_TRUE(in.origins[k] == (TokenOrigin{Segment::Schema, 2, 0})) << k;
}

// Two schemas: [SEP_STRUCT] between them belongs to the first; text tokens get schema index 2.
TEST(Gliner2Prompt, TwoSchemasJoinedBySepStruct) {
  LOAD_OR_SKIP("gliner2_tiny", f);
  const SchemaPrefix p = gtrain::build_schema_prefix(
      {gtrain::entity_schema(std::vector<std::string>{"Disease"}),
       gtrain::entity_schema(std::vector<std::string>{"Drug", "Biomarker"})},
      *f.tok);
  const int32_t sep_struct = f.tok->piece_to_id("[SEP_STRUCT]");
  ASSERT_GE(sep_struct, 0);
  // Schema 1 has 8 pseudo-words, then [SEP_STRUCT] (word 8), schema 2 words 9..18, [SEP_TEXT] 19.
  ASSERT_EQ(p.num_words(), 8 + 1 + 10 + 1);
  EXPECT_EQ(p.pseudo_words[8], "[SEP_STRUCT]");
  EXPECT_EQ(p.pseudo_words.back(), "[SEP_TEXT]");
  int32_t sep_pos = -1;
  for (int32_t k = 0; k < p.size(); ++k)
    if (p.ids[k] == sep_struct) sep_pos = k;
  ASSERT_GE(sep_pos, 0);
  EXPECT_TRUE(p.origins[sep_pos] == (TokenOrigin{Segment::Schema, 8, 0}));
  EXPECT_TRUE(p.origins[sep_pos + 1] == (TokenOrigin{Segment::Schema, 9, 1}));
  ASSERT_EQ(p.special_pos.size(), 2u);
  EXPECT_EQ(p.special_pos[0].size(), 2u);  // [P], [E]
  EXPECT_EQ(p.special_pos[1].size(), 3u);  // [P], [E], [E]
  EXPECT_EQ(p.ids[p.special_pos[1][0]], 515);
  EXPECT_GT(p.special_pos[1][0], sep_pos);
  EXPECT_TRUE(p.origins.back() == (TokenOrigin{Segment::Sep, 19, 2}));
  const Gliner2Input in = gtrain::build_gliner2_input("폐렴", p, *f.tok);
  EXPECT_EQ(in.normalized_text, "폐렴.");
  EXPECT_TRUE(in.period_appended);
  ASSERT_EQ(in.num_words(), 2);
  EXPECT_TRUE(in.origins[in.word_first_token[1]] == (TokenOrigin{Segment::Text, 21, 2}));
}

// Text words are lower-cased before tokenizing (GLiNER2 lower-cases the whole text); labels are not.
TEST(Gliner2Prompt, TextWordsLowerCasedLabelsNot) {
  LOAD_OR_SKIP("gliner2_tiny", f);
  const SchemaPrefix p = gtrain::build_schema_prefix({gtrain::entity_schema(f.labels)}, *f.tok);
  const Gliner2Input upper = gtrain::build_gliner2_input("CRP X선 mg/dL", p, *f.tok);
  const Gliner2Input lower = gtrain::build_gliner2_input("crp x선 mg/dl", p, *f.tok);
  EXPECT_EQ(upper.input_ids, lower.input_ids);
  EXPECT_EQ(upper.normalized_text, "CRP X선 mg/dL.");
  // The label "Disease" keeps its capital: "▁D" (82), not the lower-case piece.
  EXPECT_EQ(ids_of(*f.tok, "Disease").front(), 82);
  EXPECT_EQ(p.ids[12], 82);
}

// A word the tokenizer maps to nothing (U+200B) keeps its own position, as [UNK].
TEST(Gliner2Prompt, EmptyTokenizationBecomesUnk) {
  LOAD_OR_SKIP("gliner2_tiny", f);
  ASSERT_TRUE(f.tok->encode_word("\u200b").empty());
  const SchemaPrefix p = gtrain::build_schema_prefix({gtrain::entity_schema(f.labels)}, *f.tok);
  const Gliner2Input in = gtrain::build_gliner2_input("폐렴 \u200b 진단.", p, *f.tok);
  ASSERT_EQ(in.num_words(), 4);  // 폐렴, U+200B, 진단, .
  EXPECT_EQ(in.word_char_start, (std::vector<int32_t>{0, 3, 5, 7}));
  EXPECT_EQ(in.input_ids[in.word_first_token[1]], f.tok->unk_id());
  EXPECT_EQ(in.word_first_token[2], in.word_first_token[1] + 1);
  EXPECT_EQ(in.seq_len(), static_cast<int32_t>(in.origins.size()));
}

TEST(Gliner2Prompt, NormalizeText) {
  EXPECT_EQ(gtrain::normalize_text(""), ".");
  EXPECT_EQ(gtrain::normalize_text("abc"), "abc.");
  EXPECT_EQ(gtrain::normalize_text("abc."), "abc.");
  EXPECT_EQ(gtrain::normalize_text("abc!"), "abc!");
  EXPECT_EQ(gtrain::normalize_text("abc?"), "abc?");
  EXPECT_EQ(gtrain::normalize_text("abc. "), "abc. .");  // Python's endswith: no stripping
  EXPECT_EQ(gtrain::normalize_text("다."), "다.");
  EXPECT_EQ(gtrain::normalize_text("다。"), "다。.");  // only ASCII . ! ?
}

TEST(Gliner2Prompt, SchemaValidation) {
  EXPECT_EQ(gtrain::schema_pseudo_words(gtrain::entity_schema(std::vector<std::string>{"person", "company"})),
            (std::vector<std::string>{"(", "[P]", "entities", "(", "[E]", "person", "[E]", "company",
                                      ")", ")"}));
  EXPECT_THROW(gtrain::schema_pseudo_words(gtrain::entity_schema(std::vector<std::string>{})),
               std::invalid_argument);
  EXPECT_THROW(gtrain::schema_pseudo_words(gtrain::entity_schema(std::vector<std::string>{"a", ""})),
               std::invalid_argument);
  EXPECT_THROW(gtrain::schema_pseudo_words(gtrain::entity_schema(std::vector<std::string>{"x[E]"})),
               std::invalid_argument);
  EXPECT_THROW(gtrain::schema_pseudo_words(gtrain::entity_schema(
                   std::vector<SchemaField>{{"Drug", "see [L] list"}})),
               std::invalid_argument);
  Schema cls = gtrain::entity_schema(std::vector<std::string>{"pos", "neg"});
  cls.kind = gtrain::TaskKind::Classifications;
  cls.name = "sentiment";
  EXPECT_THROW(gtrain::schema_pseudo_words(cls), std::invalid_argument);
  EXPECT_STREQ(gtrain::task_marker(gtrain::TaskKind::Relations), "[R]");
  EXPECT_STREQ(gtrain::task_marker(gtrain::TaskKind::JsonStructures), "[C]");
}

TEST(Gliner2Prompt, TokenizerWithoutSpecialTokensIsAnError) {
  const std::string model = fixture_dir("gliner2_tiny") + "/spm.model";
  if (!std::filesystem::exists(model)) GTEST_SKIP() << "fixture absent: " << model;
  auto bare = gtrain::open_tokenizer(model);  // no added_tokens.json
  try {
    gtrain::build_schema_prefix({gtrain::entity_schema(std::vector<std::string>{"Disease"})}, *bare);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("[SEP_TEXT]"), std::string::npos) << e.what();
  }
}

TEST(Gliner2Prompt, UnitsValidation) {
  LOAD_OR_SKIP("gliner2_tiny", f);
  const SchemaPrefix p = gtrain::build_schema_prefix({gtrain::entity_schema(f.labels)}, *f.tok);
  const std::vector<int32_t> ids = {10, 11, 12};
  EXPECT_THROW(gtrain::assemble_gliner2_input(p, ids, {0, 3}, {}, {}, false), std::invalid_argument);
  EXPECT_THROW(gtrain::assemble_gliner2_input(p, ids, {0, 2, 1}, {}, {}, false), std::invalid_argument);
  EXPECT_THROW(gtrain::assemble_gliner2_input(p, ids, {1, 2}, {}, {}, false), std::invalid_argument);
  EXPECT_THROW(gtrain::assemble_gliner2_input(p, ids, {}, {}, {}, false), std::invalid_argument);
  EXPECT_THROW(gtrain::assemble_gliner2_input(p, ids, {0, 1}, {0}, {1}, false), std::invalid_argument);
  // Two tokens in unit 0, one in unit 1; no chars given.
  const Gliner2Input in = gtrain::assemble_gliner2_input(p, ids, {0, 2}, {}, {}, false);
  EXPECT_EQ(in.word_first_token, (std::vector<int32_t>{p.size(), p.size() + 2}));
  EXPECT_TRUE(in.word_char_start.empty());
  EXPECT_EQ(in.origins[p.size() + 1].word, p.num_words());
  EXPECT_EQ(in.origins[p.size() + 2].word, p.num_words() + 1);
  // Empty text: the period is the only word, at chars [0, 1).
  const Gliner2Input dot = gtrain::assemble_gliner2_input(p, {}, {}, {}, {}, true, 0);
  EXPECT_EQ(dot.num_words(), 1);
  EXPECT_EQ(dot.word_char_start, (std::vector<int32_t>{0}));
  EXPECT_EQ(std::vector<int32_t>(dot.input_ids.begin() + p.size(), dot.input_ids.end()),
            ids_of(*f.tok, "."));
}
