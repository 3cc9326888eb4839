#include "ui/gallerypanel.h"

#include <algorithm>
#include <numeric>

#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <QScrollArea>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/data/dataset.h"
#include "ui/classmixbar.h"
#include "ui/evalscrubber.h"
#include "ui/palette.h"
#include "ui/sampleimage.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

GalleryPanel::GalleryPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  mHeader = new QLabel(tr("The gallery fills in after the first evaluation (end of an epoch, "
                          "or Step epoch)."), this);
  mHeader->setWordWrap(true);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  mContent = new QWidget(scroll);
  mLayout = new QVBoxLayout(mContent);
  mLayout->addStretch(1);
  scroll->setWidget(mContent);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new EvalScrubber(controller, this));  // back through the evaluations
  layout->addWidget(mHeader);
  layout->addWidget(scroll, 1);
  connect(controller, &SessionController::shownEvalChanged, this, [this] {
    if (isVisible()) rebuild();
  });
  connect(controller, &SessionController::viewLayerChanged, this, [this] {
    if (isVisible()) rebuild();  // else showEvent finds the other layer's report
  });
  connect(controller, &SessionController::sessionReady, this, [this] {
    mShown.reset();
    rebuild();
  });
}

QString GalleryPanel::headerText() const { return mHeader->text(); }

void GalleryPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (mController->shownEval() != mShown) rebuild();
}

void GalleryPanel::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() != QEvent::FontChange || !mLayout) return;
  if (isVisible())
    rebuild();
  else
    mShown.reset();  // showEvent rebuilds
}

void GalleryPanel::rebuild() {
  // Clear the old rows.
  while (mLayout->count() > 1) {
    QLayoutItem* item = mLayout->takeAt(0);
    delete item->widget();
    delete item;
  }
  mRows = 0;
  mShown = mController->shownEval();  // the time slider's evaluation, or the latest
  const auto data = mController->data();
  const core::EvalReport* r = mShown.get();
  if (!r || !data || r->experts <= 0) {
    // Nothing of an earlier session may stay: say what fills this view, and when.
    mHeader->setText(tr("No evaluation of this model yet: press Play (or Step epoch). The gallery "
                        "fills at the first evaluation of the test split."));
    mHeader->setVisible(true);
    return;
  }
  const core::Dataset& test = data->test;
  const int rows = std::min<int>(test.rows(), int(r->labels.size()));
  const int experts = r->experts;
  const int k = std::max(1, r->k);
  if (int(r->gateProbs.size()) < rows * experts || int(r->topExperts.size()) < rows * k) return;
  const QString which = mController->scrubbing() && mController->latestEval()
                            ? tr("Evaluation at step %1 (time slider; the latest is at step %2)")
                                  .arg(r->step).arg(mController->latestEval()->step)
                            : tr("Evaluation at step %1").arg(r->step);
  mHeader->setText(which + tr(" (test split). Thumbnails: inputs the gate is most "
                              "confident to send to the expert. Click one to inspect it.") +
                   (mController->layerCount() > 1
                        ? tr(" Experts of MoE layer %1 of %2.").arg(mController->viewLayer() + 1).arg(mController->layerCount())
                        : QString()));
  QStringList names;
  for (int c = 0; c < test.classes; ++c)
    names << (c < int(test.classNames.size()) ? QString::fromStdString(test.classNames[std::size_t(c)])
                                              : QString::number(c));
  for (int e = 0; e < experts; ++e) {
    std::vector<int> received;
    std::vector<double> mix(std::size_t(std::max(1, test.classes)), 0.0);
    int correct = 0;
    for (int i = 0; i < rows; ++i) {
      const auto* top = r->topExperts.data() + std::size_t(i) * std::size_t(k);
      if (std::find(top, top + k, e) == top + k) continue;
      received.push_back(i);
      const int label = r->labels[std::size_t(i)];
      if (label >= 0 && label < int(mix.size())) mix[std::size_t(label)] += 1.0;
      if (i < int(r->predictions.size()) && r->predictions[std::size_t(i)] == label) ++correct;
    }
    auto gate = [&](int i) { return r->gateProbs[std::size_t(i) * std::size_t(experts) + std::size_t(e)]; };
    const int shown = std::min<int>(kPerExpert, int(received.size()));
    std::partial_sort(received.begin(), received.begin() + shown, received.end(),
                      [&](int a, int b) { return gate(a) > gate(b); });

    auto* row = new QWidget(mContent);
    auto* grid = new QGridLayout(row);
    grid->setContentsMargins(4, 2, 4, 2);
    auto* title = new QLabel(row);
    const double acc = received.empty() ? 0.0 : double(correct) / double(received.size());
    title->setText(tr("<b style='color:%1'>■ Expert %2</b><br>%3 inputs (%4%)<br>accuracy %5%")
                       .arg(categoryColor(e).name())
                       .arg(e)
                       .arg(received.size())
                       .arg(100.0 * double(received.size()) / std::max(1, rows), 0, 'f', 1)
                       .arg(acc * 100, 0, 'f', 1));
    // One width for every row's title (the widest its counts can be), so that the bars and
    // thumbnails of all experts line up: "497 inputs" made one row start 24 px to the left.
    QFont bold = title->font();
    bold.setBold(true);
    const QFontMetrics fm(title->font());
    title->setFixedWidth(std::max({150, 12 + fm.horizontalAdvance(tr("%1 inputs (100.0%)").arg(rows)),
                                   12 + fm.horizontalAdvance(tr("accuracy 100.0%")),
                                   12 + QFontMetrics(bold).horizontalAdvance(tr("■ Expert %1").arg(experts))}));
    grid->addWidget(title, 0, 0, 2, 1);
    auto* mixBar = new ClassMixBar(row);
    mixBar->setMix(mix, names);
    grid->addWidget(mixBar, 0, 1);
    auto* thumbs = new QHBoxLayout;
    thumbs->setSpacing(2);
    for (int n = 0; n < shown; ++n) {
      const int i = received[std::size_t(n)];
      auto* button = new QToolButton(row);
      button->setIcon(QIcon(QPixmap::fromImage(sampleImage(test, i).scaled(52, 52))));
      button->setIconSize(QSize(52, 52));
      button->setAutoRaise(true);
      const int label = r->labels[std::size_t(i)];
      button->setToolTip(tr("#%1 %2, gate %3").arg(i).arg(label >= 0 && label < names.size() ? names[label] : QString())
                             .arg(double(gate(i)), 0, 'f', 3));
      connect(button, &QToolButton::clicked, this, [this, i] { Q_EMIT inputActivated(i); });
      thumbs->addWidget(button);
    }
    thumbs->addStretch(1);
    grid->addLayout(thumbs, 1, 1);
    grid->setColumnStretch(1, 1);
    mLayout->insertWidget(mLayout->count() - 1, row);
    ++mRows;
  }
}

}  // namespace moe::ui
