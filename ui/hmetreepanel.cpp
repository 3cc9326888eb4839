#include "ui/hmetreepanel.h"

#include <QLabel>
#include <QVBoxLayout>

#include "ui/hmetreeview.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

HmeTreePanel::HmeTreePanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  setObjectName(QStringLiteral("hmeTreePanel"));
  mView = new HmeTreeView(this);
  mTest = new QLabel(this);
  mTest->setWordWrap(true);
  QFont f = mTest->font();
  f.setPointSizeF(f.pointSizeF() + 3);
  mTest->setFont(f);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(mView, 1);
  layout->addWidget(mTest);
  connect(controller, &SessionController::sessionReady, this, &HmeTreePanel::rebuild);
  connect(controller, &SessionController::snapshotUpdated, this, &HmeTreePanel::refresh);
  connect(controller, &SessionController::evalAppended, this,
          [this](std::shared_ptr<const core::EvalReport> report) {
            if (!report || report->nodeShare.empty()) return;
            QStringList leaves;
            const int L = int(report->routing.load.size());
            const int first = int(report->nodeShare.size()) - L;
            for (int l = 0; l < L && first >= 0; ++l)
              leaves << tr("expert %1: %2%").arg(l).arg(100.0 * report->nodeShare[std::size_t(first + l)], 0, 'f', 0);
            mTest->setText(tr("Test split at step %1: %2").arg(report->step).arg(leaves.join(QStringLiteral(" · "))));
          });
  rebuild();
}

void HmeTreePanel::rebuild() {
  const core::TrainConfig& c = mController->config();
  mShownStep = -1;
  mTest->clear();
  if (c.model.kind != core::ModelKind::Hme) {
    mView->setTree(0, 2);
    mView->setPlaceholder(tr("The gating tree is drawn for the hierarchical mixture of experts: "
                             "pick the model \"Tree of gates, experts at the leaves (HME)\" in "
                             "Setup and press Apply."));
    return;
  }
  mView->setTree(c.model.depth, c.model.branching);
  refresh();
}

void HmeTreePanel::refresh() {
  const core::Snapshot& s = mController->snapshot();
  if (s.step == mShownStep || s.latest.nodeShare.empty()) return;
  mShownStep = s.step;
  mView->setShares(s.latest.nodeShare,
                   tr("Share of the training batch at step %1 (the mean of the gates' products "
                      "on each path)").arg(s.step));
}

}  // namespace moe::ui
