#include "ui/teacherpresetbar.h"

#include <algorithm>

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QTabWidget>

#include "core/train/teacher_presets.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/sessioncontroller.h"
#include "ui/setuppanel.h"

namespace moe::ui {

TeacherPresetBar::TeacherPresetBar(MainWindow* window)
    : QToolBar(tr("Presets"), window), mWindow(window) {
  setObjectName(QStringLiteral("teacherPresets"));
  auto* label = new QLabel(tr("  Show: "), this);
  QFont f = label->font();
  f.setBold(true);
  label->setFont(f);
  addWidget(label);
  for (const core::TeacherPreset& p : core::teacherPresets()) {
    QAction* a = addAction(QString::fromUtf8(p.title), this, [this, &p] { start(p); });
    a->setObjectName(QStringLiteral("preset:") + QString::fromUtf8(p.id));
    a->setToolTip(QString::fromUtf8(p.shows));
  }
}

void TeacherPresetBar::start(const core::TeacherPreset& preset) {
  core::TrainConfig config;
  try {
    config = core::teacherPresetConfig(preset);
  } catch (const std::exception& e) {
    mWindow->banner()->showMessage(QString::fromUtf8(e.what()), true);
    return;
  }
  config.threads = mWindow->setupPanel()->config().threads;  // the machine's, not the preset's
  const QString view = QString::fromUtf8(preset.view);
  for (int i = 0; i < mWindow->tabs()->count(); ++i)
    if (mWindow->tabs()->widget(i)->objectName() == view) mWindow->tabs()->setCurrentIndex(i);
  if (preset.heatmapRows) {  // the heatmap's rows the preset is about (shown from the first evaluation)
    static const QStringList kRows = {QStringLiteral("class"), QStringLiteral("position"), QStringLiteral("offset")};
    if (auto* rows = mWindow->findChild<QComboBox*>(QStringLiteral("heatmapRows")))
      rows->setCurrentIndex(std::max(0, int(kRows.indexOf(QString::fromUtf8(preset.heatmapRows)))));
  }
  SessionController* c = mWindow->controller();
  connect(c, &SessionController::sessionReady, c, &SessionController::play, Qt::SingleShotConnection);
  mWindow->setupPanel()->setConfig(config);
  c->apply(config);
  mWindow->banner()->showMessage(tr("%1: %2").arg(QString::fromUtf8(preset.title), QString::fromUtf8(preset.shows)), false);
}

}  // namespace moe::ui
