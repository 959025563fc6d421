// Checks one Example read from `file`:`line`; throws InputError naming the field on the first
// problem. Field names index Example::entities as given (readers validate before sorting, so the
// index matches the input order where the format has one).
//   empty or blank text             field 'text'
//   invalid UTF-8 in the text       field 'text' (byte offset given)
//   empty label                     field 'entities[i].label'
//   start < 0                       field 'entities[i].start'
//   end past the text               field 'entities[i].end'
//   start >= end                    field 'entities[i]'
//   span of white space only        field 'entities[i]'
//   NUL in a label / description    field 'entities[i].label' / 'schema[i]' (HDF5 cannot store it)
//   empty schema label name         field 'schema[i]'
//   unknown label (allowed set)     field 'entities[i].label' / 'schema[i]', allowed ones listed
//   duplicate entity                field 'entities[j]' (names entities[i] too)
// Overlapping entities (nested, crossing, one span under two labels) are valid: the span model
// scores each (span, label) on its own. count_overlaps() tells how many there are.
#pragma once
#include <string>
#include <vector>

#include "data/example.h"

namespace gtrain {

void validate_example(const Example& ex, const std::string& file, long line,
                      const std::vector<std::string>* allowed_labels);

// How many entities of one example overlap another one (each entity counted once per kind).
struct OverlapCounts {
  int64_t nested = 0;     // lies inside another entity (longer, or as long with other bounds)
  int64_t crossing = 0;   // partly overlaps another, neither inside the other
  int64_t same_span = 0;  // the same span under another label
};
OverlapCounts count_overlaps(const std::vector<Entity>& entities);

// Sorts entities by (start, end, label).
void sort_entities(std::vector<Entity>* entities);

// Drops white space at the entities' edges (units never hold it: " 박" means "박"), then sorts them
// and removes the duplicates that leaves. `text` is ex->text as code points. Returns how many
// entities were trimmed. Prepare stores entities so; inspect counts them so.
int64_t trim_entities(const std::vector<char32_t>& text, Example* ex);

}  // namespace gtrain
