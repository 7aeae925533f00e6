#include "vh-error.h"

G_DEFINE_QUARK(vh-error-quark, vh_error)

gint64
vh_deadline_after_ms(guint timeout_ms)
{
    return g_get_monotonic_time() + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;
}
