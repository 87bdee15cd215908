#pragma once
// Continuous (iteration-level) batching in the engine: a decode session owns a decoder sized
// for a row budget and runs any number of requests through it, which join and leave between
// steps. The caller, between steps, adds requests (their encoder runs then and their first
// rows join the running ones), steps every running request once (rows at different positions)
// and takes the requests that finished, at once. Each request keeps its own search (greedy or
// beam, decoding.h's options), so its result is exactly what Translator::translate_tokens
// gives it alone, whatever it was decoded with.
//
// Not thread-safe: one thread drives a session. It locks the translator for each call, so
// other translate calls may run between its steps.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/decode/search.h"
#include "engine/nn/decoder.h"
#include "engine/translator.h"

namespace nmtd {

class DecodeSession {
 public:
  using RequestId = uint64_t;
  struct Request {
    std::vector<std::string> source;         // as translate_tokens takes it
    std::vector<std::string> target_prefix;  // for NLLB: {tgt_lang}
    // Its own options (nullptr: the session's), read during add(). Their rows_per_input must fit
    // the session's rows and their max_decoding_length its max_steps (accepts()).
    const TranslationOptions* options = nullptr;
  };
  struct Finished {
    RequestId id;
    TranslationResult result;
  };

  // Use Translator::open_session. max_rows must hold one request (rows_per_input rows); max_steps
  // bounds every request's max_decoding_length (0: the options').
  DecodeSession(Translator& translator, const TranslationOptions& options, int64_t max_rows,
                int max_steps = 0);
  // In memory the caller lends (Translator::decoder_memory): its rows and steps are the
  // session's, and a bounded memory bounds the source tokens running at once (room_for).
  // take_memory() gives it back for the next session.
  DecodeSession(Translator& translator, const TranslationOptions& options, DecoderMemory memory);
  ~DecodeSession();
  DecodeSession(const DecodeSession&) = delete;
  DecodeSession& operator=(const DecodeSession&) = delete;

  // Rows one request of the session's options takes (rows_per_input), and how many such
  // requests fit now beside the running. Requests of other beam sizes join as well
  // (accepts()): rows are counted, not requests.
  int64_t rows_per_request() const { return rows_per_request_; }
  int64_t room() const;
  // Rows not held by running requests (each holds its rows_per_input from add to finish).
  int64_t rows_free() const;
  // Whether requests of these source token counts fit beside the running ones now.
  bool room_for(std::span<const int64_t> source_tokens) const;
  // Ends the session (every request it holds is dropped) and gives its memory back.
  DecoderMemory take_memory();
  // Whether a request with these options may ever join: its rows_per_input within the
  // session's rows and its max_decoding_length within max_steps. Beam sizes may differ: each
  // request keeps its own search over its own rows, so a greedy text and a beam-2 text share
  // steps. (Sessions of one beam size alone made the worker run a single greedy text for 15 s
  // while beam-2 texts of another client waited for it to end, in the full-shape soak.)
  bool accepts(const TranslationOptions& options) const;

  // Adds requests; the ones that need the decoder are encoded together now. A request with
  // nothing to decode is finished at once. Returns their ids, in order. Throws InvalidArgument
  // when their rows do not fit in rows_free() (nothing changes then); the translator's errors
  // otherwise.
  std::vector<RequestId> add(const std::vector<Request>& requests);

  // Runs one decoder step for every running request (none: nothing happens). Returns the
  // rows it ran (a request's beams each count).
  int64_t step();

  // Stops a request: its rows leave before the next step and it is never returned.
  void drop(RequestId id);

  // The requests finished since the last call, in the order they finished.
  std::vector<Finished> take_finished();

  // Requests added and neither finished nor dropped.
  std::size_t running() const { return running_.size(); }
  // Steps a running request has run (0 if it is not running).
  int steps_of(RequestId id) const;

 private:
  struct Running {
    RequestId id;
    DecodingOptions options;
    int64_t rows;  // rows_per_input(options): held from add to finish or drop
    std::unique_ptr<decoding::InputSearch> search;
  };
  // Both constructors' tail: the options hold for `steps` steps, the vocabulary fits, and
  // the per-request lists have their room.
  void check_and_reserve(int steps);
  // Lets the rows of finished and dropped requests go, so that newcomers find their room.
  void release_locked();

  Translator& translator_;
  const TranslationOptions options_;
  const DecodeVocab vocab_;
  const int64_t rows_per_request_;
  const int64_t max_rows_;
  DecoderState decoder_;
  decoding::SearchRows rows_;
  std::vector<Running> running_;
  std::vector<Finished> finished_;
  std::vector<decoding::InputSearch*> just_finished_;
  RequestId next_id_ = 1;
};

}  // namespace nmtd
