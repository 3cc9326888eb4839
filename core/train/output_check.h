#pragma once
/** @file Checks that an output file (a checkpoint, a run history) can be written, before the
 *  run that produces it starts: a typo in --save must not cost the whole training run. */
#include <string>

namespace moe::core {

/**
 * Checks that `path` names a file that can be created or replaced: its folder exists and is
 * writable, and the path is not a folder nor a file that cannot be written. Writes nothing.
 * @param what the setting that names the path, e.g. "--save"; it opens the message.
 * @throws ConfigError naming the setting, the path and the reason.
 */
void checkOutputFile(const std::string& path, const std::string& what);

}  // namespace moe::core
