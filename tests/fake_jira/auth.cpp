#include "auth.hpp"

#include "base64.hpp"

namespace j2s::fake {

namespace {
bool starts_with_ci(const std::string& s, const std::string& prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}
}  // namespace

Authenticator::Authenticator(std::string email, std::string token, std::string bearer_token)
    : m_expected_basic(email + ":" + token), m_bearer(std::move(bearer_token)) {}

AuthResult Authenticator::check(const std::string& header) const {
    if (starts_with_ci(header, "Basic ")) {
        auto decoded = base64_decode(header.substr(6));
        // With a bearer token configured the site takes only that, like a DC instance using PATs.
        return {m_bearer.empty() && decoded && *decoded == m_expected_basic, "basic"};
    }
    if (starts_with_ci(header, "Bearer ")) return {!m_bearer.empty() && header.substr(7) == m_bearer, "bearer"};
    return {false, "none"};
}

}  // namespace j2s::fake
