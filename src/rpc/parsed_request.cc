#include "rpc/parsed_request.h"

#include <google/protobuf/unknown_field_set.h>

#include <cstdlib>
#include <map>
#include <vector>

#include "common/utf8.h"

namespace nmtd::rpc {
namespace {

namespace pb = google::protobuf;

// The first string field in `bytes` (a `type` on the wire) that is not valid UTF-8; "" if none.
std::string first_bad_string(const pb::Descriptor& type, std::string_view bytes,
                             const std::string& path, int depth) {
  pb::UnknownFieldSet fields;
  if (depth > 32 || !fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return {};
  std::map<int, int> seen;  // field number -> occurrences so far, for repeated fields' indices
  for (int i = 0; i < fields.field_count(); ++i) {
    const pb::UnknownField& field = fields.field(i);
    const pb::FieldDescriptor* known = type.FindFieldByNumber(field.number());
    const int occurrence = seen[field.number()]++;
    if (known == nullptr || field.type() != pb::UnknownField::TYPE_LENGTH_DELIMITED) continue;
    std::string name = path + known->name();
    if (known->is_repeated() && !known->is_map()) name += "[" + std::to_string(occurrence) + "]";
    const std::string& value = field.length_delimited();
    if (known->type() == pb::FieldDescriptor::TYPE_STRING) {
      if (const auto bad = first_invalid_utf8(value)) {
        return "field `" + name + "` is not valid UTF-8 (first bad byte at offset " +
               std::to_string(*bad) + ")";
      }
    } else if (known->type() == pb::FieldDescriptor::TYPE_MESSAGE) {
      auto inner = first_bad_string(*known->message_type(), value, name + ".", depth + 1);
      if (!inner.empty()) return inner;
    }
  }
  return {};
}

}  // namespace

std::string why_unparsable(const pb::Descriptor& type, std::string_view bytes) {
  pb::UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return "its " + std::to_string(bytes.size()) + " bytes are not protobuf wire format";
  auto bad = first_bad_string(type, bytes, "", 0);
  if (!bad.empty()) return bad;
  return "its " + std::to_string(bytes.size()) +
         " bytes do not parse as one (a field of the wrong type?)";
}

grpc::Status unparsable_status(const pb::Descriptor& type, const std::string& error) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "the request is not a valid " + type.full_name() + ": " + error);
}

int method_index(const std::string& full_method_name) {
  const pb::MethodDescriptor* method =
      pb::DescriptorPool::generated_pool()->FindMethodByName(full_method_name);
  if (method == nullptr) std::abort();  // a misspelt name in our own code
  return method->index();
}

void read_all(grpc::ByteBuffer& buffer, std::string& out) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return;
  for (const auto& slice : slices)
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
}

}  // namespace nmtd::rpc
