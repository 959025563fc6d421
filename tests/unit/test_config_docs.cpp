// The key tables of docs/configuration.md and docs/data-format.md are made from the config field
// tables (src/config/train_config.cpp, prepare_config.cpp): each doc must hold, between its
// "<!-- fields:NAME begin -->" / "<!-- fields:NAME end -->" markers, exactly the table the code
// makes. After changing a key, regenerate them with
//   GTRAIN_UPDATE_DOCS=1 build/tests/gtrain_unit_tests --gtest_filter='ConfigDocs.*'
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/config_fields.h"
#include "config/prepare_config.h"
#include "config/train_config.h"

using namespace gtrain;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Checks (or, with GTRAIN_UPDATE_DOCS=1, rewrites) the tables of one doc.
void check_doc(const std::string& rel, const std::vector<DocTable>& tables) {
  const std::string path = std::string(GTRAIN_SOURCE_DIR) + "/" + rel;
  const std::string text = read_file(path);
  ASSERT_FALSE(text.empty()) << "cannot read " << path;
  std::vector<std::string> missing;
  const std::string expected = splice_doc_tables(text, tables, &missing);
  for (const auto& m : missing) ADD_FAILURE() << rel << " has no <!-- fields:" << m << " begin/end --> markers";
  const char* update = std::getenv("GTRAIN_UPDATE_DOCS");
  if (update && std::string(update) == "1" && expected != text) {
    std::ofstream(path, std::ios::binary) << expected;
    std::printf("updated %s\n", path.c_str());
    return;
  }
  EXPECT_EQ(text, expected) << rel << " differs from the config field tables; regenerate it with\n"
                            << "  GTRAIN_UPDATE_DOCS=1 build/tests/gtrain_unit_tests --gtest_filter='ConfigDocs.*'";
}

}  // namespace

TEST(ConfigDocs, TrainingKeysTablesMatchTheFieldTable) {
  const std::vector<DocTable> tables = train_config_doc_tables();
  // One table per section and one for the top-level keys, every key of the config in one of them.
  std::vector<std::string> names;
  for (const auto& t : tables) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"model", "data", "optim", "early_stopping", "eval", "checkpoint", "log",
                                              "comm", "top-level"}));
  std::string all;
  for (const auto& t : tables) all += t.markdown;
  for (const char* key : {"`encoder.hidden_size`", "`lora.targets`", "`prepare`", "`encoder_lr`", "`precision`",
                          "`device`", "`output_dir`", "`compression`"})
    EXPECT_NE(all.find(key), std::string::npos) << key;
  check_doc("docs/configuration.md", tables);
}

TEST(ConfigDocs, PrepareKeysTablesMatchTheFieldTable) {
  const std::vector<DocTable> tables = prepare_config_doc_tables();
  std::string all;
  for (const auto& t : tables) all += t.markdown;
  for (const char* key : {"`tokenizer`", "`split.dev`", "`mention_matching.unicode`", "`inputs`", "`weight`"})
    EXPECT_NE(all.find(key), std::string::npos) << key;
  check_doc("docs/data-format.md", tables);
}

TEST(ConfigDocs, SpliceReplacesOnlyBetweenMarkers) {
  const std::string doc = "intro\n<!-- fields:a begin -->\nold\n<!-- fields:a end -->\nrest\n";
  std::vector<std::string> missing;
  EXPECT_EQ(splice_doc_tables(doc, {{"a", "new\n"}, {"b", "x\n"}}, &missing),
            "intro\n<!-- fields:a begin -->\nnew\n<!-- fields:a end -->\nrest\n");
  EXPECT_EQ(missing, (std::vector<std::string>{"b"}));
}
