#pragma once
/** @file Guided starts for teachers: presets named for what they show ("Experts split the
 *  plane"), each a complete config and the view to open, one click from launch (the window's
 *  Presets bar, moe-explorer --preset ID). Adding one is one entry in teacherPresets()
 *  (core/train/teacher_presets.cpp). */
#include <string>
#include <vector>

#include "core/train/config.h"

namespace moe::core {

/** One guided start. */
struct TeacherPreset {
  const char* id;     ///< stable name for scripts and --preset ("experts-split-the-plane")
  const char* title;  ///< the button's text, what it shows ("Experts split the plane")
  const char* shows;  ///< one or two sentences: what to watch (the button's tooltip)
  /** The window's view to open: a tab's object name ("playground", "training", ...). */
  const char* view;
  /** Writes the dataset and settings into a config that starts as TrainConfig{}. */
  void (*configure)(TrainConfig& config);
  /** The training tab's heatmap rows to show ("class", "position" or "offset"); nullptr
   *  leaves them as they are. */
  const char* heatmapRows = nullptr;
};

/** Every guided start, in the order the window shows them. */
const std::vector<TeacherPreset>& teacherPresets();

/** The preset with this id, nullptr when none. */
const TeacherPreset* findTeacherPreset(const std::string& id);

/** The config of a preset: TrainConfig{} with the preset's settings on top (validated).
 *  @throws ConfigError naming the preset when its settings are refused. */
TrainConfig teacherPresetConfig(const TeacherPreset& preset);

}  // namespace moe::core
