#pragma once
// A finished call as nmt.v1 answers it, for the unary and the stream reactors alike.
#include <string>

#include "nmt/v1/translator.pb.h"
#include "worker/pending_call.h"

namespace nmtd::worker {

void fill_response(const std::string& request_id, const CallResult& result,
                   nmt::v1::TranslateResponse& response);

}  // namespace nmtd::worker
