// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Status and Result<T>: how every public quarry call reports failure. Nothing
// is thrown across the API. A Status is a code plus a message that says what
// went wrong and where ("segment seg_3.pst: bad block length at 81920").
//
// The codes separate four kinds of failure:
//   * caller mistakes        -> kInvalidArgument, kNotFound, kAlreadyExists
//   * the environment        -> kIOError, kBusy, kResourceExhausted
//   * bad bytes on disk      -> kCorruption
//   * unsupported requests   -> kNotSupported
// kInternal marks a failure inside a dependency (for example ICU) that quarry
// could not map to anything more precise.
#ifndef QUARRY_STATUS_H_
#define QUARRY_STATUS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace quarry {

enum class StatusCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument = 1,
  kNotFound = 2,
  kAlreadyExists = 3,
  kCorruption = 4,
  kIOError = 5,
  kBusy = 6,
  kResourceExhausted = 7,
  kNotSupported = 8,
  kInternal = 9,
};

// The name of a code, e.g. "InvalidArgument".
std::string_view StatusCodeName(StatusCode code) noexcept;

// The outcome of an operation. Cheap to copy when OK.
// Immutable; safe to share.
class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status OK() noexcept { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) {
    return {StatusCode::kNotFound, std::move(msg)};
  }
  static Status AlreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status Corruption(std::string msg) {
    return {StatusCode::kCorruption, std::move(msg)};
  }
  static Status IOError(std::string msg) {
    return {StatusCode::kIOError, std::move(msg)};
  }
  static Status Busy(std::string msg) {
    return {StatusCode::kBusy, std::move(msg)};
  }
  static Status ResourceExhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, std::move(msg)};
  }
  static Status NotSupported(std::string msg) {
    return {StatusCode::kNotSupported, std::move(msg)};
  }
  static Status Internal(std::string msg) {
    return {StatusCode::kInternal, std::move(msg)};
  }

  bool ok() const noexcept { return code_ == StatusCode::kOk; }
  StatusCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

  // "OK", or "<CodeName>: <message>".
  std::string ToString() const;

  // Explicitly discards a status the caller has decided not to check.
  void IgnoreError() const noexcept {}

  friend bool operator==(const Status& a, const Status& b) noexcept {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value of type T or a non-OK Status, shaped like std::expected.
// Accessing value() of an error Result is a programming error (checked in
// debug builds, undefined otherwise).
template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cvref_t<T>, Status>,
                "Result<Status> is not meaningful");

 public:
  // A value.
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  // An error. Passing an OK status is a programming error; it is turned into
  // kInternal so that it cannot be mistaken for a value.
  Result(Status status)  // NOLINT
      : v_(std::in_place_index<1>,
           status.ok() ? Status::Internal("Result constructed from OK status")
                       : std::move(status)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  bool has_value() const noexcept { return ok(); }
  explicit operator bool() const noexcept { return ok(); }

  // The error, or OK when there is a value.
  Status status() const {
    return ok() ? Status::OK() : std::get<1>(v_);
  }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace quarry

// Returns early from the enclosing function if `expr` yields a non-OK Status.
#define QUARRY_RETURN_IF_ERROR(expr)                  \
  do {                                                \
    ::quarry::Status quarry_status_ = (expr);         \
    if (!quarry_status_.ok()) return quarry_status_;  \
  } while (0)

#define QUARRY_CONCAT_INNER_(a, b) a##b
#define QUARRY_CONCAT_(a, b) QUARRY_CONCAT_INNER_(a, b)

// `QUARRY_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result's value
// or returns the Result's error from the enclosing function.
#define QUARRY_ASSIGN_OR_RETURN(lhs, expr)                               \
  auto QUARRY_CONCAT_(quarry_result_, __LINE__) = (expr);               \
  if (!QUARRY_CONCAT_(quarry_result_, __LINE__).ok())                    \
    return QUARRY_CONCAT_(quarry_result_, __LINE__).status();            \
  lhs = std::move(QUARRY_CONCAT_(quarry_result_, __LINE__)).value()

#endif  // QUARRY_STATUS_H_
