#include "ui/presentationmode.h"

#include <algorithm>
#include <cmath>

#include <QAction>
#include <QDockWidget>
#include <QHeaderView>
#include <QLayout>
#include <QMainWindow>
#include <QTabBar>

#include "ui/experimentplots.h"
#include "ui/inspectorpanel.h"
#include "ui/plotview.h"
#include "ui/trainingpanel.h"

namespace moe::ui {

namespace {
// The window's text in presentation mode: a step above the smallest allowed (plot ticks).
constexpr int kTextPixels = PlotView::kPresentationPixels + 2;
}  // namespace

PresentationMode::PresentationMode(QMainWindow* window, TrainingPanel* training)
    : QObject(window), mWindow(window), mTraining(training) {
  mAction = new QAction(tr("&Presentation mode"), this);
  mAction->setObjectName(QStringLiteral("presentationMode"));
  mAction->setCheckable(true);
  mAction->setShortcut(QKeySequence(Qt::Key_F5));
  mAction->setToolTip(tr("For a projector: large text and lines, four plots, no setup panel (F5)"));
  connect(mAction, &QAction::toggled, this, &PresentationMode::setOn);
}

void PresentationMode::setOn(bool on) {
  if (on == mOn) return;
  mOn = on;
  mAction->setChecked(on);
  auto* dock = mWindow->findChild<QDockWidget*>(QStringLiteral("setupDock"));
  // The teachers' preset bar is for choosing what to show, before presenting: at projector
  // font sizes it would cost a row of the 720 px height.
  auto* presets = mWindow->findChild<QWidget*>(QStringLiteral("teacherPresets"));
  if (presets) presets->setVisible(!on);
  if (on) {
    if (dock) {
      mDockWasVisible = dock->isVisible();
      dock->hide();
    }
    mWindowFont = mWindow->font();
    // Widgets that chose their own font (larger titles, the tab bar) keep their proportion.
    mSavedFonts.clear();
    const double scale = double(kTextPixels) / std::max(1, QFontInfo(mWindowFont).pixelSize());
    for (QWidget* w : mWindow->findChildren<QWidget*>()) {
      // Table headers take the platform theme's header font (9 pt on X11), not their parent's:
      // without this the inspector's column titles stayed at 12 px on a projector.
      const bool header = qobject_cast<QHeaderView*>(w) != nullptr;
      if ((!w->testAttribute(Qt::WA_SetFont) && !header) || qobject_cast<PlotView*>(w)) continue;
      mSavedFonts.emplace_back(w, w->font());
    }
    QFont f = mWindowFont;
    f.setPixelSize(kTextPixels);
    mWindow->setFont(f);
    for (auto& [w, font] : mSavedFonts) {
      if (!w) continue;
      QFont bigger = font;
      bigger.setPixelSize(std::max(kTextPixels, int(std::lround(QFontInfo(font).pixelSize() * scale))));
      // The tab bar keeps the text size, not its desk proportion: scaled, its eight tabs ran past
      // 1280 px and the last one ("Playgrou") sat behind a scroll arrow.
      if (qobject_cast<QTabBar*>(w.data())) bigger.setPixelSize(kTextPixels);
      w->setFont(bigger);
    }
  } else {
    mWindow->setFont(mWindowFont);
    for (auto& [w, font] : mSavedFonts)
      if (w) w->setFont(font);
    mSavedFonts.clear();
    if (dock && mDockWasVisible) dock->show();
  }
  mTraining->setPresentation(on);
  for (InspectorPanel* i : mWindow->findChildren<InspectorPanel*>()) i->setPresentation(on);
  for (ExperimentPlots* e : mWindow->findChildren<ExperimentPlots*>()) e->setPresentation(on);
  for (PlotView* p : mWindow->findChildren<PlotView*>()) p->setPresentation(on);
  // The window's minimum size follows the new layout now, not at the next event loop pass: a
  // resize right after (--presentation --window-size 1280x720, a test) is not held to the
  // desk layout's minimum, the setup panel's width included.
  if (QLayout* layout = mWindow->layout()) layout->activate();
}

}  // namespace moe::ui
