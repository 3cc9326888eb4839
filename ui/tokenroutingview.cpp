#include "ui/tokenroutingview.h"

#include <algorithm>
#include <numeric>

#include <QHelpEvent>
#include <QLabel>
#include <QTextCursor>
#include <QTextEdit>
#include <QToolTip>
#include <QVBoxLayout>

#include "ui/palette.h"

namespace moe::ui {

namespace {

/** UTF-16 position of every byte offset of a valid UTF-8 string (size bytes + 1). */
std::vector<int> utf16Positions(const std::string& bytes) {
  std::vector<int> pos(bytes.size() + 1, 0);
  int u16 = 0;
  std::size_t b = 0;
  while (b < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[b]);
    const std::size_t len = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    for (std::size_t i = 0; i < len && b + i < bytes.size(); ++i) pos[b + i] = u16;
    b += len;
    u16 += len == 4 ? 2 : 1;  // code points beyond the BMP take a surrogate pair
  }
  pos[bytes.size()] = u16;
  return pos;
}

}  // namespace

QColor TokenRoutingView::expertColor(int expert) { return categoryColor(expert); }

TokenRoutingView::TokenRoutingView(QWidget* parent) : QWidget(parent) {
  mLegend = new QLabel(this);
  mLegend->setTextFormat(Qt::RichText);
  mLegend->setWordWrap(true);
  mView = new QTextEdit(this);
  mView->setReadOnly(true);
  mView->setObjectName(QStringLiteral("tokenRouting"));
  QFont f = mView->font();
  f.setPointSize(f.pointSize() + 9);  // readable from the back of a room
  mView->setFont(f);
  mView->viewport()->installEventFilter(this);
  mView->viewport()->setMouseTracking(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(mLegend);
  layout->addWidget(mView, 1);
  clear();
}

void TokenRoutingView::clear() {
  core::Inspection empty;
  setRouting(empty, mExperts);
}

void TokenRoutingView::setRouting(const core::Inspection& in, int experts) {
  mExperts = std::max(0, experts);
  mText = QString::fromStdString(in.text);
  const std::vector<int> pos = utf16Positions(in.text);
  const auto at = [&](std::int32_t byte) {
    return pos[std::size_t(std::clamp<std::int32_t>(byte, 0, std::int32_t(in.text.size())))];
  };
  mTokens.clear();
  mShare.assign(std::size_t(mExperts), 0.0);
  for (const core::TokenRouting& t : in.tokens) {
    Token token;
    token.begin = at(t.begin);
    token.end = at(t.end);
    token.experts.assign(t.experts.begin(), t.experts.end());
    token.gates.assign(t.gates.begin(), t.gates.end());
    if (!t.experts.empty() && t.experts[0] >= 0 && t.experts[0] < mExperts)
      mShare[std::size_t(t.experts[0])] += 1.0;
    mTokens.push_back(std::move(token));
  }
  for (double& s : mShare) s /= std::max<double>(1.0, double(mTokens.size()));

  // Every n-gram covering a character votes for its experts with its gate weights.
  const int n = int(mText.size());
  std::vector<double> votes(std::size_t(n) * std::size_t(std::max(1, mExperts)), 0.0);
  for (const Token& t : mTokens) {
    for (int c = std::max(0, t.begin); c < std::min(n, t.end); ++c) {
      for (std::size_t r = 0; r < t.experts.size(); ++r) {
        const int e = t.experts[r];
        if (e < 0 || e >= mExperts) continue;
        votes[std::size_t(c) * std::size_t(mExperts) + std::size_t(e)] += r < t.gates.size() ? double(t.gates[r]) : 1.0;
      }
    }
  }
  mCharExpert.assign(std::size_t(n), -1);
  mCharStrength.assign(std::size_t(n), 0.0);
  for (int c = 0; c < n && mExperts > 0; ++c) {
    const double* v = votes.data() + std::size_t(c) * std::size_t(mExperts);
    const double total = std::accumulate(v, v + mExperts, 0.0);
    if (total <= 0.0) continue;
    const int best = int(std::max_element(v, v + mExperts) - v);
    mCharExpert[std::size_t(c)] = best;
    mCharStrength[std::size_t(c)] = v[best] / total;
  }
  render();
}

int TokenRoutingView::characterExpert(int index) const {
  return index >= 0 && index < int(mCharExpert.size()) ? mCharExpert[std::size_t(index)] : -1;
}

QColor TokenRoutingView::characterColor(int index) const {
  const int e = characterExpert(index);
  if (e < 0) return {};
  QColor c = expertColor(e);
  // A character its n-grams agree on is painted solid; a contested one fades.
  c.setAlphaF(float(0.3 + 0.6 * mCharStrength[std::size_t(index)]));
  return c;
}

void TokenRoutingView::render() {
  QString legend;
  for (int e = 0; e < mExperts; ++e) {
    legend += QStringLiteral("<span style='background:%1'>&nbsp;&nbsp;&nbsp;&nbsp;</span>&nbsp;<b>E%2</b> %3%&nbsp;&nbsp; ")
                  .arg(expertColor(e).name())
                  .arg(e)
                  .arg(e < int(mShare.size()) ? mShare[std::size_t(e)] * 100 : 0.0, 0, 'f', 0);
  }
  mLegend->setText(mTokens.empty() ? tr("Experts: no tokens to colour yet")
                                   : tr("First choice per token (share of %1 n-grams): %2 · <i>hover a character for its "
                                        "n-grams and gates</i>").arg(mTokens.size()).arg(legend));
  mView->clear();
  QTextCursor cursor(mView->document());
  // Runs of one colour in one insert (keeps surrogate pairs together, and is fast).
  const int n = int(mText.size());
  for (int c = 0; c < n;) {
    const QColor bg = characterColor(c);
    int end = c + 1;
    while (end < n && characterColor(end) == bg) ++end;
    QTextCharFormat fmt;
    if (bg.isValid()) fmt.setBackground(bg);
    cursor.insertText(mText.mid(c, end - c), fmt);
    c = end;
  }
}

QString TokenRoutingView::toolTipFor(int index) const {
  if (index < 0 || index >= int(mText.size())) return {};
  QStringList lines;
  for (const Token& t : mTokens) {
    if (index < t.begin || index >= t.end) continue;
    QStringList routes;
    for (std::size_t r = 0; r < t.experts.size(); ++r)
      routes << QStringLiteral("E%1 %2").arg(t.experts[r]).arg(r < t.gates.size() ? double(t.gates[r]) : 0.0, 0, 'f', 2);
    lines << QStringLiteral("“%1” → %2").arg(mText.mid(t.begin, t.end - t.begin), routes.join(QStringLiteral(", ")));
  }
  if (lines.isEmpty()) return {};
  const int e = characterExpert(index);
  return tr("‘%1’: expert E%2 (%3% of the gate weight of the %4 n-grams covering it)\n")
             .arg(mText[index]).arg(e).arg(mCharStrength[std::size_t(index)] * 100, 0, 'f', 0).arg(lines.size()) +
         lines.join(QLatin1Char('\n'));
}

bool TokenRoutingView::eventFilter(QObject* watched, QEvent* event) {
  if (watched == mView->viewport() && event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const QTextCursor cursor = mView->cursorForPosition(help->pos());
    int index = cursor.position();
    // The cursor lands between characters: take the one under the pointer.
    if (mView->cursorRect(cursor).center().x() > help->pos().x()) --index;
    const QString tip = toolTipFor(index);
    if (tip.isEmpty())
      QToolTip::hideText();
    else
      QToolTip::showText(help->globalPos(), tip, mView->viewport());
    return true;
  }
  return QWidget::eventFilter(watched, event);
}

}  // namespace moe::ui
