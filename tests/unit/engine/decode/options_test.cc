// DecodingOptions::validate and decode()'s checks of the ids it is given.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "common/error.h"
#include "engine/decode/decoding.h"
#include "unit/engine/decode/toy_model.h"

namespace nmtd::testing {
namespace {

using ::testing::HasSubstr;

// The message of the InvalidArgument that validate() throws, or "" when it accepts.
std::string rejection(const std::function<void(DecodingOptions&)>& change) {
  DecodingOptions o;
  change(o);
  try {
    o.validate();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(Options, DefaultsAreValid) {
  EXPECT_EQ(rejection([](DecodingOptions&) {}), "");
}

TEST(Options, EachOutOfRangeValueIsNamed) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(rejection([](auto& o) { o.beam_size = 0; }),
              HasSubstr("beam_size must be between 1 and 128"));
  EXPECT_THAT(rejection([](auto& o) { o.beam_size = 1 << 30; }), HasSubstr("beam_size"));
  EXPECT_THAT(rejection([](auto& o) {
                o.beam_size = 100;
                o.patience = 1e30f;
              }),
              HasSubstr("beam_size * patience must be at most 1024"));
  EXPECT_THAT(rejection([](auto& o) { o.patience = 0; }), HasSubstr("patience"));
  EXPECT_THAT(rejection([&](auto& o) { o.patience = nan; }), HasSubstr("patience"));
  EXPECT_THAT(rejection([](auto& o) { o.patience = INFINITY; }), HasSubstr("patience"));
  EXPECT_THAT(rejection([&](auto& o) { o.length_penalty = nan; }), HasSubstr("length_penalty"));
  EXPECT_THAT(rejection([](auto& o) { o.max_decoding_length = 0; }),
              HasSubstr("max_decoding_length must be >= 1"));
  EXPECT_THAT(rejection([](auto& o) { o.min_decoding_length = -1; }),
              HasSubstr("min_decoding_length"));
  EXPECT_THAT(rejection([](auto& o) {
                o.max_decoding_length = 5;
                o.min_decoding_length = 6;
              }),
              HasSubstr("min_decoding_length must be between 0 and max_decoding_length (5)"));
  EXPECT_THAT(rejection([](auto& o) { o.repetition_penalty = 0; }),
              HasSubstr("repetition_penalty must be a finite number > 0"));
  EXPECT_THAT(rejection([](auto& o) { o.repetition_penalty = 1e-40f; }),  // subnormal
              HasSubstr("repetition_penalty"));
  EXPECT_THAT(rejection([](auto& o) { o.repetition_penalty = INFINITY; }),
              HasSubstr("repetition_penalty"));
  EXPECT_THAT(rejection([&](auto& o) { o.repetition_penalty = nan; }),
              HasSubstr("repetition_penalty"));
  EXPECT_THAT(rejection([](auto& o) { o.no_repeat_ngram_size = -1; }),
              HasSubstr("no_repeat_ngram_size must be >= 0"));
  EXPECT_THAT(rejection([](auto& o) { o.num_hypotheses = 0; }), HasSubstr("num_hypotheses"));
}

TEST(Options, NumHypothesesIsBoundedByBeamTimesPatience) {
  EXPECT_EQ(rejection([](auto& o) {
              o.beam_size = 4;
              o.num_hypotheses = 4;
            }),
            "");
  EXPECT_THAT(rejection([](auto& o) {
                o.beam_size = 4;
                o.num_hypotheses = 5;
              }),
              HasSubstr("num_hypotheses must be between 1 and round(beam_size * patience) = 4"));
  EXPECT_EQ(rejection([](auto& o) {
              o.beam_size = 4;
              o.patience = 1.5f;
              o.num_hypotheses = 6;
            }),
            "");
  // round(1 * 0.4) = 0: no hypothesis count is possible.
  EXPECT_THAT(rejection([](auto& o) {
                o.beam_size = 1;
                o.patience = 0.4f;
              }),
              HasSubstr("num_hypotheses"));
}

TEST(Options, MinLengthZeroAndEqualToMaxAreValid) {
  EXPECT_EQ(rejection([](auto& o) { o.min_decoding_length = 0; }), "");
  EXPECT_EQ(rejection([](auto& o) {
              o.min_decoding_length = 7;
              o.max_decoding_length = 7;
            }),
            "");
}

TEST(Options, DecodeValidatesOptionsAndIds) {
  ToyModel model(10, hashed_logits(1, 10, 2), 1);
  DecodeInput in;
  DecodingOptions o;
  o.beam_size = 0;
  EXPECT_THROW(decode(model, std::span(&in, 1), {}, o), InvalidArgument);
  o.beam_size = 2;
  in.prefix = {10};
  EXPECT_THROW(decode(model, std::span(&in, 1), {}, o), InvalidArgument);
  in.prefix = {};
  in.start_id = -1;
  EXPECT_THROW(decode(model, std::span(&in, 1), {}, o), InvalidArgument);
  in.start_id = 2;
  EXPECT_THROW(decode(model, std::span(&in, 1), DecodeVocab{2, 12}, o), InvalidArgument);
  // Nothing was run for the rejected calls.
  EXPECT_TRUE(model.rows_per_step.empty());
  EXPECT_TRUE(decode(model, std::span<const DecodeInput>(), {}, o).empty());
}

}  // namespace
}  // namespace nmtd::testing
