#include "ui/livechangemarkers.h"

#include <QColor>

#include "ui/plotview.h"

namespace moe::ui {

QString liveChangeLabel(const SessionController::LiveChange& change) {
  return QStringLiteral("%1 %2 → %3")
      .arg(SessionController::liveName(change.which), QString::number(change.from, 'g', 4),
           QString::number(change.to, 'g', 4));
}

void markLiveChanges(const SessionController& controller, const std::vector<PlotView*>& plots) {
  static const QColor kChange(30, 90, 160);  // a calm blue: a choice, not an alarm
  for (PlotView* p : plots) {
    p->clearMarkers(kLiveChangeMarkers);
    for (const SessionController::LiveChange& c : controller.liveChanges())
      p->addMarker(double(c.step), liveChangeLabel(c), kChange, kLiveChangeMarkers);
  }
}

}  // namespace moe::ui
