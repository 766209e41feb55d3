#pragma once
// Which credentials the fake accepts: Basic base64(email:token) by default, or a Bearer token.

#include <string>

namespace j2s::fake {

struct AuthResult {
    bool ok = false;
    std::string scheme;  // "basic", "bearer" or "none", for the request log
};

class Authenticator {
public:
    Authenticator(std::string email, std::string token, std::string bearer_token);
    AuthResult check(const std::string& authorization_header) const;

private:
    std::string m_expected_basic;  // "email:token"
    std::string m_bearer;
};

}  // namespace j2s::fake
