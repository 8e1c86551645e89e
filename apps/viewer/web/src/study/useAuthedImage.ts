import { useEffect, useRef, useState } from 'react';
import { api } from '../api';

/**
 * An object URL for an image behind the bearer token, fetched only once the element is near the
 * viewport (`lazy`): a 40-image study loads the visible thumbnails first.
 */
export function useAuthedImage(path: string | null, lazy = false) {
  const ref = useRef<HTMLElement | null>(null);
  const [visible, setVisible] = useState(!lazy);
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (visible || !ref.current) return;
    const io = new IntersectionObserver(
      (entries) => entries.some((e) => e.isIntersecting) && setVisible(true),
      { rootMargin: '200px' },
    );
    io.observe(ref.current);
    return () => io.disconnect();
  }, [visible]);

  useEffect(() => {
    if (!visible || !path) return;
    let live = true;
    let made: string | null = null;
    api.blob(path).then(
      (b) => {
        if (!live) return;
        made = URL.createObjectURL(b);
        setUrl(made);
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [visible, path]);

  return { ref, url, failed };
}
