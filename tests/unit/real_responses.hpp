#pragma once
// The recorded real Jira responses of fixtures/real/, as text, for tests that check a JSON routine against
// nlohmann on real payloads.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

inline std::vector<std::string> real_response_texts() {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(J2S_SOURCE_DIR) + "/fixtures/real")) {
        if (entry.path().extension() != ".json") continue;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        out.push_back(text.str());
    }
    return out;
}
