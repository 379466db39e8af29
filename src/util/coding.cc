// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "util/coding.h"

namespace quarry {

void PutFixed32(std::string* dst, uint32_t value) {
  char buf[sizeof(value)];
  EncodeFixed32(buf, value);
  dst->append(buf, sizeof(buf));
}

void PutFixed64(std::string* dst, uint64_t value) {
  char buf[sizeof(value)];
  EncodeFixed64(buf, value);
  dst->append(buf, sizeof(buf));
}

char* EncodeVarint32(char* dst, uint32_t value) {
  return EncodeVarint64(dst, value);
}

char* EncodeVarint64(char* dst, uint64_t value) {
  while (value >= 0x80) {
    *dst++ = static_cast<char>(static_cast<uint8_t>(value) | 0x80);
    value >>= 7;
  }
  *dst++ = static_cast<char>(value);
  return dst;
}

void PutVarint32(std::string* dst, uint32_t value) {
  char buf[kMaxVarint32Bytes];
  const char* end = EncodeVarint32(buf, value);
  dst->append(buf, static_cast<size_t>(end - buf));
}

void PutVarint64(std::string* dst, uint64_t value) {
  char buf[kMaxVarint64Bytes];
  const char* end = EncodeVarint64(buf, value);
  dst->append(buf, static_cast<size_t>(end - buf));
}

void PutLengthPrefixed(std::string* dst, std::string_view value) {
  PutVarint32(dst, static_cast<uint32_t>(value.size()));
  dst->append(value);
}

namespace {

// Decodes a varint of at most `max_bytes` bytes from [p, end). `last_max` is
// the largest value the final (max_bytes-th) byte may have without the value
// overflowing the target type. Returns the number of bytes consumed, or 0 when
// the varint is truncated, too long, or overflows.
inline size_t DecodeVarint(const uint8_t* p, const uint8_t* end,
                           size_t max_bytes, uint8_t last_max,
                           uint64_t* value) {
  const size_t avail = static_cast<size_t>(end - p);
  const size_t limit = avail < max_bytes ? avail : max_bytes;
  uint64_t result = 0;
  for (size_t i = 0; i < limit; ++i) {
    const uint8_t byte = p[i];
    if (i + 1 == max_bytes) {
      // Final permitted byte: no continuation, and no bits past the type.
      if (byte > last_max) return 0;
      *value = result | (static_cast<uint64_t>(byte) << (7 * i));
      return i + 1;
    }
    result |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if (byte < 0x80) {
      *value = result;
      return i + 1;
    }
  }
  return 0;  // truncated
}

}  // namespace

bool Reader::ReadVarint32(uint32_t* value) {
  if (failed_) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(input_.data()) + pos_;
  const auto* end =
      reinterpret_cast<const uint8_t*>(input_.data()) + input_.size();
  // Fast path: one byte.
  if (p < end && *p < 0x80) {
    *value = *p;
    ++pos_;
    return true;
  }
  uint64_t v = 0;
  const size_t n = DecodeVarint(p, end, kMaxVarint32Bytes, 0x0F, &v);
  if (n == 0) return Fail();
  *value = static_cast<uint32_t>(v);
  pos_ += n;
  return true;
}

bool Reader::ReadVarint64(uint64_t* value) {
  if (failed_) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(input_.data()) + pos_;
  const auto* end =
      reinterpret_cast<const uint8_t*>(input_.data()) + input_.size();
  if (p < end && *p < 0x80) {
    *value = *p;
    ++pos_;
    return true;
  }
  uint64_t v = 0;
  const size_t n = DecodeVarint(p, end, kMaxVarint64Bytes, 0x01, &v);
  if (n == 0) return Fail();
  *value = v;
  pos_ += n;
  return true;
}

bool Reader::ReadFixed32(uint32_t* value) {
  if (failed_ || input_.size() - pos_ < sizeof(uint32_t)) return Fail();
  *value = DecodeFixed32(input_.data() + pos_);
  pos_ += sizeof(uint32_t);
  return true;
}

bool Reader::ReadFixed64(uint64_t* value) {
  if (failed_ || input_.size() - pos_ < sizeof(uint64_t)) return Fail();
  *value = DecodeFixed64(input_.data() + pos_);
  pos_ += sizeof(uint64_t);
  return true;
}

bool Reader::ReadBytes(size_t n, std::string_view* bytes) {
  if (failed_ || input_.size() - pos_ < n) return Fail();
  *bytes = input_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool Reader::ReadLengthPrefixed(std::string_view* bytes) {
  if (failed_) return false;
  const size_t start = pos_;
  uint32_t length = 0;
  if (!ReadVarint32(&length)) return false;
  if (input_.size() - pos_ < length) {
    pos_ = start;  // consume nothing: report the offset of the length prefix
    return Fail();
  }
  *bytes = input_.substr(pos_, length);
  pos_ += length;
  return true;
}

bool Reader::Skip(size_t n) {
  if (failed_ || input_.size() - pos_ < n) return Fail();
  pos_ += n;
  return true;
}

}  // namespace quarry
