// The error a model config's from_json gives for one bad key (DebertaV2Config, ExtractorConfig, ...).
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/error_of.h"

namespace gtrain::test {

// The message of Config::from_json(base with key set to value, "bad/config.json"); "" when it
// throws no std::runtime_error.
template <class Config>
std::string config_key_error(const nlohmann::json& base, const std::string& key, const nlohmann::json& value) {
  nlohmann::json j = base;
  j[key] = value;
  return error_text_of<std::runtime_error>([&] { Config::from_json(j, "bad/config.json"); });
}

// For each (key, value): Config::from_json of base with that one key set fails, naming the key.
template <class Config>
void expect_each_key_refused(const nlohmann::json& base,
                             const std::vector<std::pair<std::string, nlohmann::json>>& bad) {
  for (const auto& [key, value] : bad)
    EXPECT_NE(config_key_error<Config>(base, key, value).find(key), std::string::npos) << key;
}

}  // namespace gtrain::test
