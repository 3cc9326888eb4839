#pragma once
/** @file The Presets bar: one button per guided start (core/train/teacher_presets.h). A click
 *  loads the preset into Setup, builds the model, opens the preset's view and plays. */
#include <QToolBar>

namespace moe::core {
struct TeacherPreset;
}

namespace moe::ui {

class MainWindow;

class TeacherPresetBar : public QToolBar {
  Q_OBJECT

 public:
  explicit TeacherPresetBar(MainWindow* window);
  /** Starts a preset as its button does. */
  void start(const core::TeacherPreset& preset);

 private:
  MainWindow* mWindow;
};

}  // namespace moe::ui
