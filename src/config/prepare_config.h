// Reads a `gtrain prepare` YAML file (reference: docs/data-format.md, "Preparing data"). Its keys
// are one table (prepare_config.cpp), shared with the inline `data.prepare` section of a training
// config.
#pragma once
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "data/prepare.h"

namespace gtrain {

template <class Cfg> struct FieldTable;
struct DocTable;

PrepareConfig load_prepare_config(const std::string& path);

// Parses a prepare config held in `root`: the whole file (where = "") or the `data.prepare`
// section of a training config (where = "data.prepare", prefixed to every field name in errors).
// Relative paths resolve against base_dir. `output` is required only when require_output is set
// (an inline section defaults to the training config's prepare cache).
PrepareConfig parse_prepare_config(const YAML::Node& root, const std::string& file,
                                   const std::string& base_dir, const std::string& where,
                                   bool require_output = true);

// The keys of a prepare config, in the order they are written and documented (config_fields.h).
const FieldTable<PrepareConfig>& prepare_fields();

// Cache key of an inline prepare section: SHA-256 (64 hex characters) over a canonical text of
// every setting that changes the prepared rows (every key of the table but `output`; the inputs'
// and tokenizer's file names, not their folders), the prepared-file format version, the SHA-256
// of every input file's bytes and of the tokenizer file(s). Editing a byte of any input or of the
// tokenizer, or a setting, changes the key; moving or touching the files does not.
// Throws InputError naming the field of an unreadable file.
std::string prepare_cache_key(const PrepareConfig& prepare);

// The key tables of docs/data-format.md ("prepare", "prepare.inputs"), made from the table.
std::vector<DocTable> prepare_config_doc_tables();

}  // namespace gtrain
