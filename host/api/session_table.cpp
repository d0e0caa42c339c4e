#include "api/session_table.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>

#include "common/error.h"

namespace eventhost {
namespace {

std::array<unsigned char, 32> digest_of(const std::string& text) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         out.data());
  return out;
}

// `bytes` random bytes from OpenSSL's generator, as hex.
std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()),
                 static_cast<int>(bytes)) != 1) {
    throw Error(ErrorKind::kIo,
                "cannot draw random bytes for a dashboard session");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

bool same_secret(const std::string& a, const std::string& b) {
  const auto da = digest_of(a);
  const auto db = digest_of(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

std::chrono::milliseconds left(SessionTable::Clock::time_point end,
                               SessionTable::Clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(end - now);
}

}  // namespace

void SessionTable::set_policy(const SessionPolicy& policy) {
  std::lock_guard lock(mutex_);
  policy_ = policy;
}

SessionPolicy SessionTable::policy() const {
  std::lock_guard lock(mutex_);
  return policy_;
}

std::string SessionTable::issue_login_code() {
  std::string code = random_hex(16);
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  expire(now);
  codes_[digest_of(code)] = now + policy_.code_lifetime;
  return code;
}

bool SessionTable::redeem_login_code(const std::string& code) {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  expire(now);
  // Erased whether or not it is still valid: a code works once.
  const auto it = codes_.find(digest_of(code));
  if (it == codes_.end()) return false;
  const bool valid = it->second > now;
  codes_.erase(it);
  return valid;
}

SessionTable::Opened SessionTable::open() {
  Opened opened{random_hex(32), random_hex(32)};
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  expire(now);
  while (!sessions_.empty() && sessions_.size() >= policy_.max_sessions) {
    const auto oldest = std::min_element(
        sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
          return a.second.last_used < b.second.last_used;
        });
    sessions_.erase(oldest);
  }
  sessions_[digest_of(opened.id)] = Session{opened.csrf, now, now};
  return opened;
}

void SessionTable::close(const std::string& id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(digest_of(id));
}

SessionTable::Session* SessionTable::find(const std::string& id,
                                          Clock::time_point now) {
  if (id.empty()) return nullptr;
  const auto it = sessions_.find(digest_of(id));
  if (it == sessions_.end()) return nullptr;
  const Session& s = it->second;
  if (now - s.last_used >= policy_.idle || now - s.opened >= policy_.absolute) {
    sessions_.erase(it);
    return nullptr;
  }
  return &it->second;
}

SessionTable::Check SessionTable::check(const std::string& id,
                                        const std::string& csrf) {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  Session* s = find(id, now);
  if (s == nullptr) return Check::kNoSession;
  if (csrf.empty()) return Check::kNoCsrf;
  if (!same_secret(csrf, s->csrf)) return Check::kWrongCsrf;
  s->last_used = now;
  return Check::kValid;
}

bool SessionTable::info(const std::string& id, Info* out) {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  const Session* s = find(id, now);
  if (s == nullptr) return false;
  out->csrf = s->csrf;
  out->idle_left = left(s->last_used + policy_.idle, now);
  out->absolute_left = left(s->opened + policy_.absolute, now);
  return true;
}

std::string SessionTable::set_cookie(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return std::string(kCookieName) + "=" + id +
         "; Path=/; HttpOnly; SameSite=Strict" +
         (policy_.secure_cookie ? "; Secure" : "");
}

std::string SessionTable::clear_cookie() const {
  std::lock_guard lock(mutex_);
  return std::string(kCookieName) +
         "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" +
         (policy_.secure_cookie ? "; Secure" : "");
}

std::size_t SessionTable::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void SessionTable::expire(Clock::time_point now) {
  std::erase_if(sessions_, [&](const auto& entry) {
    return now - entry.second.last_used >= policy_.idle ||
           now - entry.second.opened >= policy_.absolute;
  });
  std::erase_if(codes_, [&](const auto& entry) { return entry.second <= now; });
}

std::string cookie_value(const std::string& header, const std::string& name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string pair = header.substr(pos, end - pos);
    pair.erase(0, pair.find_first_not_of(' '));
    const auto eq = pair.find('=');
    if (eq != std::string::npos && pair.compare(0, eq, name) == 0 &&
        eq == name.size()) {
      std::string value = pair.substr(eq + 1);
      value.erase(value.find_last_not_of(' ') + 1);
      return value;
    }
    pos = end + 1;
  }
  return "";
}

}  // namespace eventhost
