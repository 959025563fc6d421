// Checks one Example read from `file`:`line`; throws InputError naming the field on the first
// problem. Field names index Example::entities as given (readers validate before sorting, so the
// index matches the input order where the format has one).
//   empty text                      field 'text'
//   invalid UTF-8 in the text       field 'text' (byte offset given)
//   empty label                     field 'entities[i].label'
//   start < 0                       field 'entities[i].start'
//   end past the text               field 'entities[i].end'
//   start >= end                    field 'entities[i]'
//   unknown label (allowed set)     field 'entities[i].label' / 'schema[i]', allowed ones listed
//   duplicate entity                field 'entities[j]' (names entities[i] too)
//   overlapping entities            field 'entities[j]' (names both, with their surfaces)
#pragma once
#include <string>
#include <vector>

#include "data/example.h"

namespace gtrain {

void validate_example(const Example& ex, const std::string& file, long line,
                      const std::vector<std::string>* allowed_labels);

// Sorts entities by (start, end, label).
void sort_entities(std::vector<Entity>* entities);

}  // namespace gtrain
