#pragma once
#include <QFrame>

class QLabel;

namespace moe::ui {

/** A dismissable strip above the plots for errors and notices; never a modal dialog. */
class MessageBanner : public QFrame {
  Q_OBJECT

 public:
  explicit MessageBanner(QWidget* parent = nullptr);

  void showMessage(const QString& text, bool error);
  QString text() const;
  bool isError() const { return mError; }

 private:
  QLabel* mText;
  bool mError = false;
};

}  // namespace moe::ui
