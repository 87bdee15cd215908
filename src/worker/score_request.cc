#include "worker/score_request.h"

#include "common/error.h"
#include "common/loggable.h"
#include "common/utf8.h"

namespace nmtd::worker {
namespace {

grpc::Status invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

// "items[3].target_text"
std::string field(int item, const char* name) {
  return "items[" + std::to_string(item) + "]." + name;
}

grpc::Status check_language(const NllbTokenizer& tokenizer, const std::string& code,
                            const char* role) {
  const std::string name = std::string(role) + "_language";
  if (code.empty()) {
    return invalid(name + " is required with " + role +
                   "_text (an NLLB code such as eng_Latn; ListLanguages lists them)");
  }
  try {
    tokenizer.check_language(code, role);
  } catch (const InvalidArgument& e) {
    return invalid(name + ": " + e.what() + " (ListLanguages lists the codes this model knows)");
  }
  return grpc::Status::OK;
}

grpc::Status check_text(const std::string& text, int item, const char* name, const Limits& limits,
                        std::size_t& total) {
  if (text.size() > limits.max_text_bytes) {
    return invalid(field(item, name) + " is " + std::to_string(text.size()) +
                   " bytes; the limit is " + std::to_string(limits.max_text_bytes) + " per text");
  }
  total += text.size();
  if (const auto bad = first_invalid_utf8(text)) {
    return invalid(field(item, name) + " is not valid UTF-8 (first bad byte at offset " +
                   std::to_string(*bad) + ")");
  }
  return grpc::Status::OK;
}

grpc::Status check_tokens(const google::protobuf::RepeatedPtrField<std::string>& tokens, int item,
                          const char* name, std::size_t& total) {
  for (int k = 0; k < tokens.size(); ++k) {
    total += tokens[k].size();
    if (first_invalid_utf8(tokens[k]))
      return invalid(field(item, name) + "[" + std::to_string(k) + "] is not valid UTF-8");
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status check_score_request(const nmt::v1::ScoreRequest& request, const WorkerConfig& config,
                                 const nmtd::Translator& translator, CheckedScoreRequest& out) {
  const NllbTokenizer& tokenizer = translator.tokenizer();
  const Vocabulary& vocab = translator.vocabulary();
  const Limits& limits = config.limits;
  const int count = request.items_size();
  if (count == 0) return invalid("the request has no items: send at least one in `items`");
  if (count > limits.max_texts_per_request) {
    return invalid("the request has " + std::to_string(count) + " items; the limit is " +
                   std::to_string(limits.max_texts_per_request) +
                   " per request: split it into several requests");
  }
  out.options.max_input_length = request.max_input_length();
  out.options.offset = request.offset();
  try {
    out.options.validate();
  } catch (const InvalidArgument& e) {
    return invalid(e.what());
  }
  std::size_t total = 0;
  bool checked_source_language = false, checked_target_language = false;
  out.pairs.resize(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const auto& item = request.items(i);
    auto& pair = out.pairs[static_cast<std::size_t>(i)];
    const bool source_text = item.has_source_text(), target_text = item.has_target_text();
    if (source_text == (item.source_tokens_size() > 0))
      return invalid(field(i, "source_text") + " or " + field(i, "source_tokens") +
                     ": give exactly one of them");
    if (target_text == (item.target_tokens_size() > 0))
      return invalid(field(i, "target_text") + " or " + field(i, "target_tokens") +
                     ": give exactly one of them (an empty target has nothing to score)");
    if (source_text) {
      if (auto s = check_text(item.source_text(), i, "source_text", limits, total); !s.ok())
        return s;
      if (!checked_source_language) {
        if (auto s = check_language(tokenizer, request.source_language(), "source"); !s.ok())
          return s;
        checked_source_language = true;
      }
      pair.source = tokenizer.source_tokens(item.source_text(), request.source_language());
    } else {
      if (auto s = check_tokens(item.source_tokens(), i, "source_tokens", total); !s.ok()) return s;
      pair.source.assign(item.source_tokens().begin(), item.source_tokens().end());
    }
    if (target_text) {
      if (auto s = check_text(item.target_text(), i, "target_text", limits, total); !s.ok())
        return s;
      if (!checked_target_language) {
        if (auto s = check_language(tokenizer, request.target_language(), "target"); !s.ok())
          return s;
        checked_target_language = true;
      }
      if (only_whitespace(item.target_text()))
        return invalid(field(i, "target_text") + " is empty: there is nothing to score");
      pair.target = {request.target_language()};
      // A piece the vocabulary lacks is <unk>, as in the source.
      for (auto& piece : tokenizer.pieces(item.target_text()))
        pair.target.push_back(vocab.find(piece) < 0 ? vocab.to_token(vocab.unk_id()) : piece);
    } else {
      if (auto s = check_tokens(item.target_tokens(), i, "target_tokens", total); !s.ok()) return s;
      for (int k = 0; k < item.target_tokens_size(); ++k) {
        if (vocab.find(item.target_tokens(k)) < 0)
          return invalid(field(i, "target_tokens") + "[" + std::to_string(k) + "] ('" +
                         loggable(item.target_tokens(k), 80) +
                         "') is not a piece of this model's vocabulary");
      }
      pair.target.assign(item.target_tokens().begin(), item.target_tokens().end());
    }
    // The engine's steps are bounded per text, as for translation: what is kept counts.
    for (const auto& [name, tokens, extra] : {std::tuple{"source", &pair.source, std::size_t{0}},
                                              std::tuple{"target", &pair.target, std::size_t{1}}}) {
      std::size_t kept = tokens->size() + extra;
      if (out.options.max_input_length > 0)
        kept = std::min(kept, static_cast<std::size_t>(out.options.max_input_length));
      if (kept > static_cast<std::size_t>(limits.max_text_tokens)) {
        return invalid("items[" + std::to_string(i) + "]'s " + name + " is " +
                       std::to_string(tokens->size() + extra) + " tokens long; the limit is " +
                       std::to_string(limits.max_text_tokens) +
                       ": set max_input_length to truncate it");
      }
    }
  }
  if (total > limits.max_request_bytes) {
    return invalid("the request's items hold " + std::to_string(total) + " bytes; the limit is " +
                   std::to_string(limits.max_request_bytes) + " per request");
  }
  // Never equal to a translation's key (those start with the source language's field).
  out.batch_key = "score\x1f" + std::to_string(out.options.max_input_length) + "\x1f" +
                  std::to_string(out.options.offset);
  return grpc::Status::OK;
}

}  // namespace nmtd::worker
