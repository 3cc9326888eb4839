#include "ui/messagebanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

namespace moe::ui {

MessageBanner::MessageBanner(QWidget* parent) : QFrame(parent) {
  setObjectName(QStringLiteral("messageBanner"));
  mText = new QLabel(this);
  mText->setWordWrap(true);
  mText->setTextInteractionFlags(Qt::TextSelectableByMouse);
  QFont f = mText->font();
  f.setPointSize(f.pointSize() + 2);
  mText->setFont(f);
  auto* close = new QToolButton(this);
  close->setText(QStringLiteral("✕"));
  close->setAutoRaise(true);
  close->setToolTip(tr("Dismiss"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(10, 4, 4, 4);
  layout->addWidget(mText, 1);
  layout->addWidget(close);
  connect(close, &QToolButton::clicked, this, &QWidget::hide);
  hide();
}

void MessageBanner::showMessage(const QString& text, bool error) {
  mError = error;
  mText->setText(text);
  setStyleSheet(error ? QStringLiteral("#messageBanner{background:#fbe3e3;border:1px solid #d04040;}")
                      : QStringLiteral("#messageBanner{background:#fff6d5;border:1px solid #d0b040;}"));
  show();
}

QString MessageBanner::text() const { return mText->text(); }

}  // namespace moe::ui
