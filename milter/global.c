/*
 * global.c - the milter's process-wide state (global.h), and
 * global_publish(), which copies a configuration's run-time settings
 * where connection threads read them.
 */
#include "global.h"

MILTER_GLOBAL milter_global;

#define SET(name, value) atomic_store_explicit(&milter_global.live.name, \
					       (value), memory_order_relaxed)

void    global_publish(const CONFIG *cfg)
{
    SET(mode, cfg->mode);
    SET(on_map_error, cfg->on_map_error);
    SET(hop_limit, cfg->hop_limit);
    SET(esmtp_args, cfg->esmtp_args);
    SET(max_recipients, cfg->max_recipients);
    SET(max_added, cfg->max_added);
}
