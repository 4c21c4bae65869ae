curl 'https://api.notion.com/v1/pages/6601e719a39a460c908e8909467fcccf/properties/flUp?page_size=5&start_cursor=PLuaRX' \
    -H 'Notion-Version: 2025-09-03' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"''
