#include "engine/decode/search_group.h"

namespace nmtd::decoding {

void SearchGroup::start(std::vector<std::unique_ptr<InputSearch>> searches, int32_t from) {
  members_.clear();
  members_.reserve(searches.size());
  for (auto& search : searches) members_.push_back({std::move(search), from, true});
}

void SearchGroup::next_rows(std::vector<int32_t>& origins, std::vector<int32_t>& ids) {
  origins.clear();
  ids.clear();
  for (auto& member : members_) {
    if (!member.running) continue;
    const auto next_base = static_cast<int32_t>(origins.size());
    for (const int32_t o : member.search->next_origins()) origins.push_back(member.base + o);
    const auto next_ids = member.search->next_ids();
    ids.insert(ids.end(), next_ids.begin(), next_ids.end());
    member.base = next_base;
  }
}

bool SearchGroup::advance(float* logits, int64_t vocab_size) {
  bool all_finished = true;
  for (auto& member : members_) {
    if (!member.running) continue;
    if (member.search->advance(logits + static_cast<int64_t>(member.base) * vocab_size)) {
      member.running = false;
    } else {
      all_finished = false;
    }
  }
  return all_finished;
}

}  // namespace nmtd::decoding
