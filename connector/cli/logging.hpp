#pragma once
// Logs go to stderr: text for people, or one JSON object per line for machines.

#include <string>

namespace j2s {

enum class LogFormat { text, json };

// verbosity: -1 quiet (warnings and errors), 0 normal (info), 1 debug (every request), 2 trace.
void setup_logging(LogFormat format, int verbosity);

}  // namespace j2s
